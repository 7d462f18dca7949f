using System.Text.Json;
using Microsoft.Extensions.Options;
using ScanGate.Contracts;

namespace ScanGate.Application;

/// <summary>What an API node remembers about keys, told when a key is revoked here so it stops working at once.</summary>
public interface IKeyCache
{
    void Evict(string keyHash);
}

/// <summary>A key to create, in the native request's terms (POST /api/v1/apikeys).</summary>
public sealed record NewKey
{
    public required string Name { get; init; }
    public string? OrgId { get; init; }
    public string? MemberId { get; init; }
    public string? Preset { get; init; }
    public IReadOnlyList<string>? Scopes { get; init; }
    public int? ExpiresInDays { get; init; }
    public string? Environment { get; init; }
    public int? RateLimitPerMinute { get; init; }
    /// <summary>An exact expiry instead of <see cref="ExpiresInDays"/> (some platforms take a date).</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    /// <summary>The shape of the key's secret (<see cref="KeyFormat"/>); ScanGate's own unless a surface asks for its platform's.</summary>
    public KeyFormat Format { get; init; } = KeyFormat.Native;
    /// <summary>With neither preset nor scopes: the creating key's own scopes, as far as the member's role allows
    /// (platforms whose keys act as their user).</summary>
    public bool ScopesOfCreator { get; init; }

    public static readonly string[] Fields =
        ["name", "preset", "scopes", "expires_in_days", "environment", "rate_limit_per_minute", "org_id", "member_id", "format"];

    /// <summary>Reads the native body; field-level mistakes throw <see cref="RequestValidationException"/>.</summary>
    public static NewKey Parse(JsonElement body, int maxExpiryDays)
    {
        var hasScopes = body.TryGetProperty("scopes", out var scopeArray) && scopeArray.ValueKind != JsonValueKind.Null;
        IReadOnlyList<string>? scopes = null;
        if (hasScopes)
        {
            if (scopeArray.ValueKind != JsonValueKind.Array || scopeArray.GetArrayLength() == 0 || scopeArray.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
                throw new RequestValidationException("scopes", "scopes must be a non-empty array of scope names");
            scopes = scopeArray.EnumerateArray().Select(e => e.GetString()!).Distinct().ToList();
        }
        return new NewKey
        {
            Name = JsonFields.RequiredString(body, "name", 200),
            OrgId = JsonFields.String(body, "org_id", 64),
            MemberId = JsonFields.String(body, "member_id", 64),
            Preset = JsonFields.String(body, "preset", 50),
            Scopes = scopes,
            ExpiresInDays = JsonFields.Int(body, "expires_in_days", 1, maxExpiryDays),
            Environment = JsonFields.String(body, "environment", 64),
            RateLimitPerMinute = JsonFields.Int(body, "rate_limit_per_minute", 1, 1_000_000),
            Format = JsonFields.String(body, "format", 20) is { } format
                ? KeyFormat.Named(format) ?? throw new RequestValidationException("format", $"format must be one of {string.Join(", ", KeyFormat.All.Select(f => f.Name))}")
                : KeyFormat.Native,
        };
    }
}

/// <summary>A key just made: its secret, shown this once, and its record.</summary>
public sealed record CreatedKey(string Plaintext, ApiKeyRecord Record);

/// <summary>Creating, listing and revoking API keys. A key never does more than its member's role, nor more than the
/// key that creates it.</summary>
public sealed class KeyService(IGrainFactory grains, IOptions<AuthOptions> options, AuditTrail audit, IKeyCache? cache = null)
{
    public async Task<Outcome<CreatedKey>> CreateAsync(Actor actor, NewKey request)
    {
        var caller = actor.Caller;
        var orgId = request.OrgId ?? caller.OrgId;
        if (orgId != caller.OrgId && !caller.PlatformAdmin)
            return AppError.Forbidden("org_id is for the platform administrator; other keys create keys in their own organisation");
        var org = grains.GetGrain<IOrganizationGrain>(orgId);
        if (await org.Get() is null) return AppError.Invalid("org_id", $"no organisation '{orgId}'");

        var memberId = request.MemberId;
        if (memberId is null)
            memberId = orgId == caller.OrgId ? caller.MemberId : (await org.Members()).FirstOrDefault(m => m.Role == OrgRole.Admin)?.MemberId;
        if (memberId is null) return AppError.Invalid("member_id", "the organisation has no admin to own the key; name member_id");
        if (await org.RoleOf(memberId) is not { } role) return AppError.Invalid("member_id", $"no member '{memberId}' in {orgId}");

        IReadOnlyList<string> scopes;
        if (request.Preset is not null && request.Scopes is not null) return AppError.Invalid("scopes", "give either preset or scopes, not both");
        if (request.Preset is not null)
        {
            if (!ScanGate.Contracts.Scopes.Presets.TryGetValue(request.Preset, out var preset))
                return AppError.Invalid("preset", $"preset must be one of {string.Join(", ", ScanGate.Contracts.Scopes.Presets.Keys)}");
            scopes = preset;
        }
        else if (request.Scopes is { Count: > 0 } named)
        {
            if (named.FirstOrDefault(s => !ScanGate.Contracts.Scopes.All.Contains(s)) is { } unknown)
                return AppError.Invalid("scopes", $"unknown scope '{unknown}'; scopes: {string.Join(", ", ScanGate.Contracts.Scopes.All)}");
            scopes = named.Distinct().ToList();
        }
        else if (request.ScopesOfCreator)
            scopes = ScanGate.Contracts.Scopes.All.Where(s => role.Allows(s) && (caller.PlatformAdmin || caller.Can(s))).ToList();
        else return AppError.Invalid("preset", "give a preset (ci-basic, ci-full, admin) or a list of scopes");
        if (scopes.FirstOrDefault(s => !role.Allows(s)) is { } beyond)
            return AppError.Invalid("scopes", $"the member's role {role.Word()} does not allow {beyond}; a key never does more than its member");
        if (!caller.PlatformAdmin && scopes.FirstOrDefault(s => !caller.Can(s)) is { } notMine)
            return AppError.Invalid("scopes", $"this key cannot hand out {notMine}, which it does not hold itself");

        var o = options.Value;
        var days = request.ExpiresInDays ?? o.DefaultKeyExpiryDays;
        if (days < 1 || days > o.MaxKeyExpiryDays) return AppError.Invalid("expires_in_days", $"expires_in_days must be a whole number from 1 to {o.MaxKeyExpiryDays}");
        if (request.ExpiresAt is { } at)
        {
            if (request.ExpiresInDays is not null) return AppError.Invalid("expires_at", "give either expires_at or expires_in_days, not both");
            var now = DateTimeOffset.UtcNow;
            if (at <= now || at > now.AddDays(o.MaxKeyExpiryDays))
                return AppError.Invalid("expires_at", $"expires_at must be in the future and at most {o.MaxKeyExpiryDays} days away");
        }
        var rate = request.RateLimitPerMinute ?? o.DefaultRateLimitPerMinute;
        if (rate < 1) return AppError.Invalid("rate_limit_per_minute", "rate_limit_per_minute must be at least 1");

        var (plaintext, record) = await ApiKeys.CreateAsync(grains, orgId, memberId, request.Name, scopes, days, request.Environment, rate,
            platformAdmin: false, createdBy: caller.KeyId, format: request.Format, expiresAt: request.ExpiresAt);
        await audit.RecordAsync(actor, "key.created", record.KeyId, new Dictionary<string, string>
        {
            ["name"] = request.Name, ["scopes"] = string.Join(' ', scopes), ["member"] = memberId, ["prefix"] = record.Prefix, ["format"] = request.Format.Name,
        }, orgId: orgId);
        return new CreatedKey(plaintext, record);
    }

    /// <summary>The keys of the caller's organisation (or of <paramref name="orgId"/> for a platform administrator), newest first.</summary>
    public async Task<Outcome<IReadOnlyList<ApiKeyRecord>>> ListAsync(Actor actor, string? orgId = null)
    {
        orgId ??= actor.Caller.OrgId;
        if (!actor.Caller.SeesOrg(orgId)) return AppError.NotFound($"no organisation '{orgId}'");
        var keys = new List<ApiKeyRecord>();
        foreach (var hash in await grains.GetGrain<IOrganizationGrain>(orgId).KeyHashes())
            if (await grains.GetGrain<IApiKeyGrain>(hash).Get() is { } k) keys.Add(k);
        return keys.OrderByDescending(k => k.CreatedAt).ToList();
    }

    /// <summary>Revokes a key: it stops working on this node at once, on others within the auth cache's seconds.</summary>
    public async Task<Outcome<string>> RevokeAsync(Actor actor, string keyId, string? orgId = null)
    {
        orgId ??= actor.Caller.OrgId;
        if (!actor.Caller.SeesOrg(orgId) || await grains.GetGrain<IOrganizationGrain>(orgId).KeyHash(keyId) is not { } hash)
            return AppError.NotFound($"no API key '{keyId}'");
        cache?.Evict(hash);
        if (!await grains.GetGrain<IApiKeyGrain>(hash).Revoke()) return AppError.Conflict($"API key '{keyId}' is already revoked");
        await audit.RecordAsync(actor, "key.revoked", keyId, orgId: orgId);
        return keyId;
    }
}
