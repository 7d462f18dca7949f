using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using ScanGate.Api.Auth;
using ScanGate.Contracts;

namespace ScanGate.Api.Compat;

/// <summary>
/// A surface's own key endpoints: create (the plaintext in the platform's <see cref="KeyFormat"/>, shown once), list
/// (never a secret) and revoke, each a thin translation over <see cref="KeyService"/>. A key made here is an ordinary
/// hashed ScanGate key with scopes, accepted by every surface and the native API alike.
/// </summary>
public sealed record CompatKeys(
    string[] Fields,
    Func<JsonElement, AuthOptions, NewKey> Parse,
    Func<string?, ApiKeyRecord, IResult> Created,
    Func<IReadOnlyList<ApiKeyRecord>, IResult> Listed,
    Func<AppError, IResult> Refused,
    Func<string, string>? FieldName = null)
{
    public void Map(RouteGroupBuilder group, string path)
    {
        var keys = group.MapGroup(path).RequireScope(Scopes.KeysManage);
        keys.MapPost("", CreateAsync);
        keys.MapGet("", async (HttpContext http, KeyService service) =>
        {
            var listed = await service.ListAsync(http.Actor());
            return listed.Ok ? Listed(listed.Value!) : Refused(listed.Error!);
        });
        keys.MapDelete("/{keyId}", async (string keyId, HttpContext http, KeyService service) =>
            await service.RevokeAsync(http.Actor(), keyId) is { Ok: false } refused ? Refused(refused.Error!) : TypedResults.NoContent());
    }

    private async Task<IResult> CreateAsync(HttpContext http, KeyService service, IOptions<AuthOptions> options)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request, Fields);
        if (error is not null) return CompatSurface.Rewrap(error);
        NewKey request;
        try { request = Parse(body, options.Value); }
        catch (RequestValidationException ex) { return Refused(AppError.Invalid(ex.Field, ex.Message)); }
        var created = await service.CreateAsync(http.Actor(), request);
        if (!created.Ok)
            return Refused(created.Error! is { Field: { } f } e && FieldName is not null ? e with { Field = FieldName(f) } : created.Error!);
        return Created(created.Value!.Plaintext, created.Value.Record);
    }
}
