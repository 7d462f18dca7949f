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
    /// <summary>The platform's action words that differ from ScanGate's (its scan.queued is ScanGate's scan.triggered).</summary>
    private static readonly Dictionary<string, string> Actions = new() { ["scan.queued"] = "scan.triggered" };

    public static RouteGroupBuilder MapPepperAccount(this RouteGroupBuilder api)
    {
        Keys.Map(api, "/apikeys");
        api.MapGet("/audit-log", AuditLog).RequireScope(Scopes.AuditRead);
        return api;
    }

    /// <summary>Keys as the platform makes them: <c>{name, expiresAt?}</c> → "ppr_…" shown once as <c>plaintext</c>.
    /// A key acts as its user: without scopes it gets the creating key's own (as far as the member's role allows).</summary>
    private static readonly CompatKeys Keys = new(
        ["name", "expiresAt", "scopes", "preset", "environment", "rateLimitPerMinute"],
        (body, options) =>
        {
            DateTimeOffset? expiresAt = null;
            if (JsonFields.String(body, "expiresAt", 64) is { } at)
                expiresAt = DateTimeOffset.TryParse(at, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed)
                    ? parsed : throw new RequestValidationException("expiresAt", "expiresAt must be an ISO 8601 date-time, e.g. 2027-01-01T00:00:00Z");
            var native = NewKey.Parse(JsonSerializer.SerializeToElement(PepperEndpoints.Translate(body, new Dictionary<string, string>
            {
                ["name"] = "name", ["scopes"] = "scopes", ["preset"] = "preset", ["environment"] = "environment", ["rateLimitPerMinute"] = "rate_limit_per_minute",
                ["expiresAt"] = "expires_at",
            })), options.MaxKeyExpiryDays);
            return native with { ExpiresAt = expiresAt, Format = KeyFormat.Pepper, ScopesOfCreator = true };
        },
        (plaintext, k) => PepperEndpoints.Ok(new Dictionary<string, object?>(KeyView(k)) { ["plaintext"] = plaintext }, StatusCodes.Status201Created),
        keys => PepperEndpoints.Ok(new { apiKeys = keys.Select(KeyView) }),
        error => PepperEndpoints.From(error),
        PepperEndpoints.FieldName);

    private static Dictionary<string, object?> KeyView(ApiKeyRecord k) => new()
    {
        ["id"] = k.KeyId, ["name"] = k.Name, ["prefix"] = k.Prefix, ["scopes"] = k.Scopes, ["environment"] = k.Environment, ["createdAt"] = k.CreatedAt,
        ["expiresAt"] = k.ExpiresAt, ["revokedAt"] = k.RevokedAt, ["lastUsedAt"] = k.LastUsedAt, ["rateLimitPerMinute"] = k.RateLimitPerMinute,
    };

    /// <summary><c>?action=&amp;userId=&amp;limit=&amp;cursor=</c> → <c>{entries: [{id, action, resource, resourceId, user: {id, email},
    /// ipAddress, details, createdAt}], nextCursor}</c>; since and until narrow it further.</summary>
    private static async Task<IResult> AuditLog(HttpContext http, AuditTrail audit, string? action, string? userId,
        DateTimeOffset? since, DateTimeOffset? until, string? cursor, int? limit)
    {
        var read = await audit.QueryAsync(http.Actor(), new AuditQuery
        {
            Action = action is null ? null : Actions.GetValueOrDefault(action, action), Actor = userId, Since = since, Until = until, Cursor = cursor, Limit = limit ?? 50,
        });
        if (!read.Ok) return PepperEndpoints.From(read.Error!);
        var people = await audit.ActorsAsync(http.Actor());
        return PepperEndpoints.Ok(new
        {
            entries = read.Value!.Items.Select(e => new
            {
                id = e.Id,
                action = Actions.FirstOrDefault(a => a.Value == e.Action).Key ?? e.Action,
                resource = e.Action.Split('.')[0],
                resourceId = e.Target,
                user = new { id = e.Actor, email = people.GetValueOrDefault(e.Actor)?.Email },
                ipAddress = e.ClientIp,
                details = e.Details,
                createdAt = e.At,
                keyId = e.KeyId,
            }),
            nextCursor = read.Value.NextCursor,
        });
    }
}
