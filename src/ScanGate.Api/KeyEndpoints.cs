using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using ScanGate.Api.Auth;
using ScanGate.Contracts;

namespace ScanGate.Api;

public static class KeyEndpoints
{
    public static RouteGroupBuilder MapKeyEndpoints(this RouteGroupBuilder api)
    {
        var keys = api.MapGroup("/apikeys").WithTags("api keys").RequireScope(Scopes.KeysManage);
        keys.MapPost("", CreateKey)
            .WithName("createApiKey").WithSummary("Create an API key (the key is shown once)").DescribesBody<ApiKeyRequestDocument>().Produces<CreatedApiKeyView>(StatusCodes.Status201Created).ProducesProblems(400, 404, 413);
        keys.MapGet("", ListKeys)
            .WithName("listApiKeys").WithSummary("List an organisation's API keys").Produces<PageView<ApiKeyView>>().ProducesProblems(400);
        keys.MapDelete("/{keyId}", RevokeKey)
            .WithName("revokeApiKey").WithSummary("Revoke an API key").Produces(StatusCodes.Status204NoContent).ProducesProblems(404);
        return api;
    }

    internal static async Task<IResult> CreateKey(HttpContext http, KeyService keys, IOptions<AuthOptions> options)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request, NewKey.Fields);
        if (error is not null) return error;
        NewKey request;
        try { request = NewKey.Parse(body, options.Value.MaxKeyExpiryDays); }
        catch (RequestValidationException ex) { return Problems.BadRequest(ex.Field, ex.Message); }
        var created = await keys.CreateAsync(http.Actor(), request);
        if (!created.Ok) return Problems.From(created.Error!);
        var (plaintext, record) = created.Value!;
        return TypedResults.Created($"/api/v1/apikeys/{record.KeyId}", CreatedApiKeyView.Of(record, plaintext));
    }

    internal static async Task<IResult> ListKeys(HttpContext http, KeyService keys, string? org_id)
    {
        var listed = await keys.ListAsync(http.Actor(), org_id);
        return listed.Ok
            ? TypedResults.Ok(new PageView<ApiKeyView>(listed.Value!.Select(ApiKeyView.Of).ToList(), null))
            : Problems.From(listed.Error!);
    }

    internal static async Task<IResult> RevokeKey(string keyId, HttpContext http, KeyService keys, string? org_id)
    {
        var revoked = await keys.RevokeAsync(http.Actor(), keyId, org_id);
        return revoked.Ok ? TypedResults.NoContent() : Problems.From(revoked.Error!);
    }
}
