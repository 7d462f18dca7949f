using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
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
        keys.MapDelete("/{keyId}", async (string keyId, HttpContext http, IGrainFactory grains, AuthCache cache) =>
            PepperEndpoints.Rewrap(await KeyEndpoints.RevokeKey(keyId, http, grains, cache, null)));
        api.MapGet("/audit-log", AuditLog).RequireScope(Scopes.AuditRead);
        return api;
    }

    private static object KeyView(ApiKeyView k) => new
    {
        keyId = k.Id, name = k.Name, prefix = k.Prefix, scopes = k.Scopes, environment = k.Environment, createdAt = k.CreatedAt,
        expiresAt = k.ExpiresAt, revokedAt = k.RevokedAt, lastUsedAt = k.LastUsedAt, rateLimitPerMinute = k.RateLimitPerMinute,
    };

    private static async Task<IResult> ListKeys(HttpContext http, IGrainFactory grains)
    {
        var (page, error) = PepperEndpoints.Unwrap<PageView<ApiKeyView>>(await KeyEndpoints.ListKeys(http, grains, null));
        return error ?? PepperEndpoints.Ok(new { apiKeys = page!.Items.Select(KeyView) });
    }

    private static async Task<IResult> CreateKey(HttpContext http, IGrainFactory grains, IOptions<AuthOptions> options)
    {
        var (body, error) = await PepperEndpoints.ReadJsonAsync(http.Request);
        if (error is not null) return error;
        try { PepperEndpoints.UseNativeBody(http, PepperEndpoints.Translate(body, KeyFields)); }
        catch (RequestValidationException ex) { return PepperEndpoints.BadRequest(ex.Field, ex.Message); }
        var (k, refused) = PepperEndpoints.Unwrap<CreatedApiKeyView>(await KeyEndpoints.CreateKey(http, grains, options));
        if (refused is not null) return refused;
        return PepperEndpoints.Ok(new
        {
            keyId = k!.Id, name = k.Name, prefix = k.Prefix, scopes = k.Scopes, environment = k.Environment, createdAt = k.CreatedAt,
            expiresAt = k.ExpiresAt, rateLimitPerMinute = k.RateLimitPerMinute, plaintext = k.Key,
        }, StatusCodes.Status201Created);
    }

    private static async Task<IResult> AuditLog(HttpContext http, IGrainFactory grains, string? action, string? actor,
        DateTimeOffset? since, DateTimeOffset? until, string? cursor, int? limit)
    {
        var (page, error) = PepperEndpoints.Unwrap<PageView<AuditEntryView>>(
            await AuditEndpoints.Query(http, grains, action, actor, since, until, cursor, limit));
        return error ?? PepperEndpoints.Ok(new
        {
            entries = page!.Items.Select(e => new
            {
                id = e.Id, at = e.At, action = e.Action, actor = e.Actor, keyId = e.KeyId, clientIp = e.ClientIp, target = e.Target, details = e.Details,
            }),
            nextCursor = page.NextCursor,
        });
    }
}
