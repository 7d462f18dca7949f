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
        keys.MapPost("", CreateKey);
        keys.MapGet("", ListKeys);
        keys.MapDelete("/{keyId}", RevokeKey);
        return api;
    }

    internal static async Task<IResult> CreateKey(HttpContext http, IGrainFactory grains, IOptions<AuthOptions> options)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request,
            "name", "preset", "scopes", "expires_in_days", "environment", "rate_limit_per_minute", "org_id", "member_id");
        if (error is not null) return error;
        var caller = http.Caller();
        try
        {
            var name = RequestBody.RequiredString(body, "name", 200);
            var orgId = RequestBody.String(body, "org_id", 64) ?? caller.OrgId;
            if (orgId != caller.OrgId && !caller.PlatformAdmin)
                return Problems.Forbidden("org_id is for the platform administrator; other keys create keys in their own organisation");
            var org = grains.GetGrain<IOrganizationGrain>(orgId);
            if (await org.Get() is null) throw new RequestValidationException("org_id", $"no organisation '{orgId}'");

            var memberId = RequestBody.String(body, "member_id", 64);
            if (memberId is null)
                memberId = orgId == caller.OrgId ? caller.MemberId
                    : (await org.Members()).FirstOrDefault(m => m.Role == OrgRole.Admin)?.MemberId
                      ?? throw new RequestValidationException("member_id", "the organisation has no admin to own the key; name member_id");
            var role = await org.RoleOf(memberId) ?? throw new RequestValidationException("member_id", $"no member '{memberId}' in {orgId}");

            IReadOnlyList<string> scopes;
            var preset = RequestBody.String(body, "preset", 50);
            var hasScopes = body.TryGetProperty("scopes", out var scopeArray) && scopeArray.ValueKind != JsonValueKind.Null;
            if (preset is not null && hasScopes) throw new RequestValidationException("scopes", "give either preset or scopes, not both");
            if (preset is not null)
                scopes = Scopes.Presets.TryGetValue(preset, out var p) ? p
                    : throw new RequestValidationException("preset", $"preset must be one of {string.Join(", ", Scopes.Presets.Keys)}");
            else if (hasScopes)
            {
                if (scopeArray.ValueKind != JsonValueKind.Array || scopeArray.GetArrayLength() == 0 || scopeArray.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
                    throw new RequestValidationException("scopes", "scopes must be a non-empty array of scope names");
                scopes = scopeArray.EnumerateArray().Select(e => e.GetString()!).Distinct().ToList();
                if (scopes.FirstOrDefault(s => !Scopes.All.Contains(s)) is { } unknown)
                    throw new RequestValidationException("scopes", $"unknown scope '{unknown}'; scopes: {string.Join(", ", Scopes.All)}");
            }
            else throw new RequestValidationException("preset", "give a preset (ci-basic, ci-full, admin) or a list of scopes");
            if (scopes.FirstOrDefault(s => !role.Allows(s)) is { } beyond)
                throw new RequestValidationException("scopes", $"the member's role {role.Word()} does not allow {beyond}; a key never does more than its member");
            if (!caller.PlatformAdmin && scopes.FirstOrDefault(s => !caller.Can(s)) is { } notMine)
                throw new RequestValidationException("scopes", $"this key cannot hand out {notMine}, which it does not hold itself");

            var o = options.Value;
            var days = RequestBody.Int(body, "expires_in_days", 1, o.MaxKeyExpiryDays) ?? o.DefaultKeyExpiryDays;
            var rate = RequestBody.Int(body, "rate_limit_per_minute", 1, 1_000_000) ?? o.DefaultRateLimitPerMinute;
            var environment = RequestBody.String(body, "environment", 64);

            var (plaintext, record) = await ApiKeys.CreateAsync(grains, orgId, memberId, name, scopes, days, environment, rate,
                platformAdmin: false, createdBy: caller.KeyId);
            await http.AuditAsync(grains, "key.created", record.KeyId, new Dictionary<string, string>
            {
                ["name"] = name, ["scopes"] = string.Join(' ', scopes), ["member"] = memberId, ["prefix"] = record.Prefix,
            }, orgId: orgId);
            return TypedResults.Created($"/api/v1/apikeys/{record.KeyId}", new CreatedApiKeyView(record.KeyId, record.Name, record.OrgId,
                record.MemberId, record.Prefix, record.Scopes, record.Environment, record.CreatedAt, record.ExpiresAt, record.RateLimitPerMinute, plaintext));
        }
        catch (RequestValidationException ex) { return Problems.BadRequest(ex.Field, ex.Message); }
    }

    internal static async Task<IResult> ListKeys(HttpContext http, IGrainFactory grains, string? org_id)
    {
        var caller = http.Caller();
        var orgId = org_id ?? caller.OrgId;
        if (!caller.SeesOrg(orgId)) return Problems.NotFound($"no organisation '{orgId}'");
        var keys = new List<ApiKeyView>();
        foreach (var hash in await grains.GetGrain<IOrganizationGrain>(orgId).KeyHashes())
            if (await grains.GetGrain<IApiKeyGrain>(hash).Get() is { } k) keys.Add(ApiKeyView.Of(k));
        return TypedResults.Ok(new PageView<ApiKeyView>(keys.OrderByDescending(k => k.CreatedAt).ToList(), null));
    }

    internal static async Task<IResult> RevokeKey(string keyId, HttpContext http, IGrainFactory grains, AuthCache cache, string? org_id)
    {
        var caller = http.Caller();
        var orgId = org_id ?? caller.OrgId;
        if (!caller.SeesOrg(orgId) || await grains.GetGrain<IOrganizationGrain>(orgId).KeyHash(keyId) is not { } hash)
            return Problems.NotFound($"no API key '{keyId}'");
        cache.Evict(hash);
        if (!await grains.GetGrain<IApiKeyGrain>(hash).Revoke()) return Problems.Conflict($"API key '{keyId}' is already revoked");
        await http.AuditAsync(grains, "key.revoked", keyId, orgId: orgId);
        return TypedResults.NoContent();
    }
}
