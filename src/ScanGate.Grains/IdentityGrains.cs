using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using ScanGate.Contracts;
using ScanGate.Scanners;

namespace ScanGate.Grains;

[GenerateSerializer, Alias("scangate.api-key-state.v1")]
public sealed class ApiKeyState
{
    [Id(0)] public ApiKeyRecord? Record { get; set; }
}

/// <summary>
/// One API key, keyed by the SHA-256 of its secret: the secret itself is never stored. Authentication
/// checks expiry, revocation, the member's current role and the per-minute rate limit, here, so every
/// API node of a cluster sees the same answer.
/// </summary>
/// <remarks>Authenticate asks the organisation for the member's role, and the organisation revokes keys when it removes
/// a member: RoleOf interleaves and the revocation is one-way, so neither grain can wait on the other.</remarks>
public sealed class ApiKeyGrain(
    [PersistentState("apikey", "state")] IPersistentState<ApiKeyState> store,
    Clock clock) : Grain, IApiKeyGrain, IKeyRevocation
{
    private static readonly TimeSpan LastUsedWriteInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan RoleCacheTime = TimeSpan.FromSeconds(10);
    private TokenBucketRateLimiter? _limiter;
    private DateTimeOffset _lastUsedWritten;
    private (OrgRole? Role, DateTimeOffset At) _role;

    private ApiKeyRecord? Record => store.State.Record;

    public async Task<bool> Create(ApiKeyRecord record)
    {
        if (Record is not null) return false;
        store.State.Record = record;
        await store.WriteStateAsync();
        return true;
    }

    public Task<ApiKeyRecord?> Get() => Task.FromResult(Record);

    public async Task<AuthResult> Authenticate()
    {
        var now = clock.UtcNow;
        if (Record is not { } r || r.RevokedAt is not null || now >= r.ExpiresAt) return new AuthResult { Outcome = AuthOutcome.Invalid };

        OrgRole role;
        if (r.PlatformAdmin) role = OrgRole.Admin;
        else
        {
            if (now - _role.At > RoleCacheTime)
                _role = (await GrainFactory.GetGrain<IOrganizationGrain>(r.OrgId).RoleOf(r.MemberId), now);
            if (_role.Role is not { } current) return new AuthResult { Outcome = AuthOutcome.Invalid }; // the member is gone
            role = current;
        }

        _limiter ??= RateLimits.PerMinute(r.RateLimitPerMinute);
        using var lease = _limiter.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            var retry = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(60);
            return new AuthResult { Outcome = AuthOutcome.RateLimited, RetryAfterSeconds = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)) };
        }

        // Last use is kept in memory at once and written at most once a minute: a hot key must not
        // turn every request into a storage write.
        store.State.Record = r with { LastUsedAt = now };
        if (now - _lastUsedWritten > LastUsedWriteInterval)
        {
            _lastUsedWritten = now;
            await store.WriteStateAsync();
        }
        return new AuthResult
        {
            Outcome = AuthOutcome.Ok,
            Caller = new Caller { KeyId = r.KeyId, OrgId = r.OrgId, MemberId = r.MemberId, Role = role, Scopes = r.Scopes, PlatformAdmin = r.PlatformAdmin },
            RateLimitPerMinute = r.RateLimitPerMinute,
            ExpiresAt = r.ExpiresAt,
        };
    }

    public async Task Touch(DateTimeOffset at)
    {
        if (Record is not { } r || r.LastUsedAt >= at) return;
        store.State.Record = r with { LastUsedAt = at };
        if (at - _lastUsedWritten > LastUsedWriteInterval)
        {
            _lastUsedWritten = at;
            await store.WriteStateAsync();
        }
    }

    public Task RevokeForRemovedMember() => Revoke();

    public async Task<bool> Revoke()
    {
        if (Record is null || Record.RevokedAt is not null) return false;
        store.State.Record = Record with { RevokedAt = clock.UtcNow };
        await store.WriteStateAsync();
        return true;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Last use is written at most once a minute; up to a minute of it may be lost with the activation.
        _limiter?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>A key revoked because its member was removed from the organisation: sent by the organisation only. Key: as
/// <see cref="IApiKeyGrain"/>.</summary>
[Alias("scangate.IKeyRevocation")]
internal interface IKeyRevocation : IGrainWithStringKey
{
    [Orleans.Concurrency.OneWay, Alias("revoke-for-removed-member")] Task RevokeForRemovedMember();
}

[GenerateSerializer, Alias("scangate.org-state.v1")]
public sealed class OrganizationState
{
    [Id(0)] public Organization? Org { get; set; }
    [Id(1)] public Dictionary<string, Member> Members { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Key id → key hash (the hash is the key grain's id; it is not the secret).</summary>
    [Id(2)] public Dictionary<string, string> Keys { get; set; } = new(StringComparer.Ordinal);
    [Id(3)] public Dictionary<string, string> KeyMembers { get; set; } = new(StringComparer.Ordinal);
    [Id(4)] public SortedSet<string> Projects { get; set; } = new(StringComparer.Ordinal);
    [Id(5)] public string? CallbackSecret { get; set; }
}

public sealed class OrganizationGrain(
    [PersistentState("org", "state")] IPersistentState<OrganizationState> store,
    Clock clock) : Grain, IOrganizationGrain
{
    private OrganizationState S => store.State;

    public async Task<bool> Create(string name, OrgLimits limits)
    {
        if (S.Org is not null) return false;
        S.Org = new Organization { OrgId = this.GetPrimaryKeyString(), Name = name, CreatedAt = clock.UtcNow, Limits = limits, Month = Month() };
        await store.WriteStateAsync();
        await GrainFactory.GetGrain<IPlatformGrain>(0).RegisterOrg(S.Org.OrgId);
        return true;
    }

    public Task<Organization?> Get() => Task.FromResult(S.Org is null ? null : RollMonth(S.Org));

    public async Task<Organization?> SetLimits(OrgLimits limits)
    {
        if (S.Org is null) return null;
        S.Org = S.Org with { Limits = limits };
        await store.WriteStateAsync();
        return S.Org;
    }

    public Task<IReadOnlyList<Member>> Members() =>
        Task.FromResult<IReadOnlyList<Member>>(S.Members.Values.OrderBy(m => m.AddedAt).ToList());

    public async Task<CommandResult<Member>> AddMember(string email, string? name, OrgRole role)
    {
        if (S.Org is null) return CommandResult<Member>.Fail(CommandError.NotFound, "no such organisation");
        if (S.Members.Values.Any(m => string.Equals(m.Email, email, StringComparison.OrdinalIgnoreCase)))
            return CommandResult<Member>.Fail(CommandError.Conflict, $"{email} is already a member");
        var member = new Member { MemberId = "mem_" + SortableId.New(), Email = email, Name = name, Role = role, AddedAt = clock.UtcNow };
        S.Members[member.MemberId] = member;
        await store.WriteStateAsync();
        return CommandResult<Member>.Success(member);
    }

    public async Task<CommandResult<Member>> UpdateMember(string memberId, OrgRole role)
    {
        if (!S.Members.TryGetValue(memberId, out var member)) return CommandResult<Member>.Fail(CommandError.NotFound, $"no member {memberId}");
        if (member.Role == OrgRole.Admin && role != OrgRole.Admin && S.Members.Values.Count(m => m.Role == OrgRole.Admin) == 1)
            return CommandResult<Member>.Fail(CommandError.Conflict, "an organisation keeps at least one admin");
        S.Members[memberId] = member = member with { Role = role };
        await store.WriteStateAsync();
        return CommandResult<Member>.Success(member);
    }

    public async Task<CommandResult<Member>> RemoveMember(string memberId)
    {
        if (!S.Members.TryGetValue(memberId, out var member)) return CommandResult<Member>.Fail(CommandError.NotFound, $"no member {memberId}");
        if (member.Role == OrgRole.Admin && S.Members.Values.Count(m => m.Role == OrgRole.Admin) == 1)
            return CommandResult<Member>.Fail(CommandError.Conflict, "an organisation keeps at least one admin");
        S.Members.Remove(memberId);
        await store.WriteStateAsync();
        // One-way: a key grain authenticating may be waiting on this grain's RoleOf right now. The member's removal,
        // stored above, is the record of the decision: a key of a removed member fails authentication either way.
        foreach (var (keyId, owner) in S.KeyMembers.Where(kv => kv.Value == memberId).ToList())
            GrainFactory.GetGrain<IKeyRevocation>(S.Keys[keyId]).RevokeForRemovedMember().Ignore();
        return CommandResult<Member>.Success(member);
    }

    public Task<OrgRole?> RoleOf(string memberId) =>
        Task.FromResult(S.Members.TryGetValue(memberId, out var m) ? m.Role : (OrgRole?)null);

    public async Task RegisterKey(string keyId, string keyHash, string memberId)
    {
        S.Keys[keyId] = keyHash;
        S.KeyMembers[keyId] = memberId;
        await store.WriteStateAsync();
    }

    public Task<string?> KeyHash(string keyId) => Task.FromResult(S.Keys.GetValueOrDefault(keyId));
    public Task<IReadOnlyList<string>> KeyHashes() => Task.FromResult<IReadOnlyList<string>>(S.Keys.Values.ToList());

    public async Task<CommandResult<int>> ChargeScan()
    {
        if (S.Org is null) return CommandResult<int>.Fail(CommandError.NotFound, "no such organisation");
        S.Org = RollMonth(S.Org);
        if (S.Org.ScansThisMonth >= S.Org.Limits.MonthlyScanQuota)
            return CommandResult<int>.Fail(CommandError.QuotaExceeded,
                $"the organisation's monthly quota of {S.Org.Limits.MonthlyScanQuota} scans is spent for {S.Org.Month}; it renews on the first of next month (UTC)");
        S.Org = S.Org with { ScansThisMonth = S.Org.ScansThisMonth + 1 };
        await store.WriteStateAsync();
        return CommandResult<int>.Success(S.Org.Limits.MaxConcurrentScans);
    }

    public async Task AddProject(string projectKey)
    {
        if (S.Projects.Add(projectKey)) await store.WriteStateAsync();
    }

    public async Task RemoveProject(string projectKey)
    {
        if (S.Projects.Remove(projectKey)) await store.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> Projects() => Task.FromResult<IReadOnlyList<string>>(S.Projects.ToList());

    public async Task<string> CallbackSecret()
    {
        if (S.CallbackSecret is null)
        {
            S.CallbackSecret = "whsec_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            await store.WriteStateAsync();
        }
        return S.CallbackSecret;
    }

    private string Month() => clock.UtcNow.ToString("yyyy-MM");
    private Organization RollMonth(Organization org) => org.Month == Month() ? org : org with { Month = Month(), ScansThisMonth = 0 };
}

[GenerateSerializer, Alias("scangate.platform-state.v1")]
public sealed class PlatformState
{
    [Id(0)] public bool Bootstrapped { get; set; }
    [Id(1)] public SortedSet<string> Orgs { get; set; } = new(StringComparer.Ordinal);
}

public sealed class PlatformGrain([PersistentState("platform", "state")] IPersistentState<PlatformState> store) : Grain, IPlatformGrain
{
    public async Task<bool> ClaimBootstrap()
    {
        if (store.State.Bootstrapped) return false;
        store.State.Bootstrapped = true;
        await store.WriteStateAsync();
        return true;
    }

    public async Task RegisterOrg(string orgId)
    {
        if (store.State.Orgs.Add(orgId)) await store.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> Orgs() => Task.FromResult<IReadOnlyList<string>>(store.State.Orgs.ToList());
}
