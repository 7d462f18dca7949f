using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ScanGate.Api.Auth;
using ScanGate.Contracts;

namespace ScanGate.Api.Compat.Pepper;

/// <summary>The organisation's API keys (listed without secrets; created with the plaintext shown once; revoked) and
/// its audit log, read with a cursor.</summary>
public static class PepperAccount
{
    private static readonly Dictionary<string, string> KeyFields = new()
    {
        ["name"] = "name", ["scopes"] = "scopes", ["preset"] = "preset", ["expiresInDays"] = "expires_in_days",
        ["environment"] = "environment", ["rateLimitPerMinute"] = "rate_limit_per_minute",
    };

    public static RouteGroupBuilder MapPepperAccount(this RouteGroupBuilder api)
    {
        var keys = api.MapGroup("/api-keys").RequireScope(Scopes.KeysManage);
        keys.MapGet("", ListKeys);
        keys.MapPost("", CreateKey);
        keys.MapDelete("/{keyId}", async (string keyId, HttpContext http, KeyService keys) =>
            await keys.RevokeAsync(http.Actor(), keyId) is { Ok: false } refused ? PepperEndpoints.From(refused.Error!) : TypedResults.NoContent());
        api.MapGet("/audit-log", AuditLog).RequireScope(Scopes.AuditRead);
        return api;
    }

    private static object KeyView(ApiKeyRecord r) => KeyView(ApiKeyView.Of(r));

    private static object KeyView(ApiKeyView k) => new
    {
        keyId = k.Id, name = k.Name, prefix = k.Prefix, scopes = k.Scopes, environment = k.Environment, createdAt = k.CreatedAt,
        expiresAt = k.ExpiresAt, revokedAt = k.RevokedAt, lastUsedAt = k.LastUsedAt, rateLimitPerMinute = k.RateLimitPerMinute,
    };

    private static async Task<IResult> ListKeys(HttpContext http, KeyService keys)
    {
        var listed = await keys.ListAsync(http.Actor());
        return listed.Ok ? PepperEndpoints.Ok(new { apiKeys = listed.Value!.Select(KeyView) }) : PepperEndpoints.From(listed.Error!);
    }

    private static async Task<IResult> CreateKey(HttpContext http, KeyService keys, IOptions<AuthOptions> options)
    {
        var (body, error) = await PepperEndpoints.ReadJsonAsync(http.Request);
        if (error is not null) return error;
        NewKey request;
        try { request = NewKey.Parse(JsonSerializer.SerializeToElement(PepperEndpoints.Translate(body, KeyFields)), options.Value.MaxKeyExpiryDays); }
        catch (RequestValidationException ex) { return PepperEndpoints.BadRequest(PepperEndpoints.FieldName(ex.Field), ex.Message); }
        var created = await keys.CreateAsync(http.Actor(), request);
        if (!created.Ok) return PepperEndpoints.From(created.Error!);
        var (plaintext, k) = created.Value!;
        return PepperEndpoints.Ok(new
        {
            keyId = k.KeyId, name = k.Name, prefix = k.Prefix, scopes = k.Scopes, environment = k.Environment, createdAt = k.CreatedAt,
            expiresAt = k.ExpiresAt, rateLimitPerMinute = k.RateLimitPerMinute, plaintext,
        }, StatusCodes.Status201Created);
    }

    private static async Task<IResult> AuditLog(HttpContext http, AuditTrail audit, string? action, string? actor,
        DateTimeOffset? since, DateTimeOffset? until, string? cursor, int? limit)
    {
        var read = await audit.QueryAsync(http.Actor(), new AuditQuery
        {
            Action = action, Actor = actor, Since = since, Until = until, Cursor = cursor, Limit = limit ?? 50,
        });
        if (!read.Ok) return PepperEndpoints.From(read.Error!);
        var page = new PageView<AuditEntryView>(read.Value!.Items.Select(AuditEntryView.Of).ToList(), read.Value.NextCursor);
        return PepperEndpoints.Ok(new
        {
            entries = page.Items.Select(e => new
            {
                id = e.Id, at = e.At, action = e.Action, actor = e.Actor, keyId = e.KeyId, clientIp = e.ClientIp, target = e.Target, details = e.Details,
            }),
            nextCursor = page.NextCursor,
        });
    }
}
