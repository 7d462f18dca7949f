using Orleans.Concurrency;

namespace ScanGate.Contracts;

public static class Scopes
{
    public const string ScansTrigger = "scans:trigger";
    public const string ScansRead = "scans:read";
    public const string ScansManage = "scans:manage";
    public const string FindingsRead = "findings:read";
    public const string FindingsWrite = "findings:write";
    public const string ProjectsManage = "projects:manage";
    public const string KeysManage = "keys:manage";
    public const string AuditRead = "audit:read";

    public static readonly IReadOnlyList<string> All =
        [ScansTrigger, ScansRead, ScansManage, FindingsRead, FindingsWrite, ProjectsManage, KeysManage, AuditRead];

    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Presets = new Dictionary<string, IReadOnlyList<string>>
    {
        ["ci-basic"] = [ScansTrigger, ScansRead],
        ["ci-full"] = [ScansTrigger, ScansRead, ScansManage, FindingsRead, FindingsWrite],
        ["admin"] = All,
    };
}

/// <summary>What a member may do in an organisation. A key never does more than its member's role allows.</summary>
public enum OrgRole { Viewer, Developer, Admin }

public static class Roles
{
    private static readonly HashSet<string> ViewerScopes = [Scopes.ScansRead, Scopes.FindingsRead];
    private static readonly HashSet<string> DeveloperScopes = [Scopes.ScansRead, Scopes.FindingsRead, Scopes.ScansTrigger, Scopes.ScansManage, Scopes.FindingsWrite];

    public static bool Allows(this OrgRole role, string scope) => role switch
    {
        OrgRole.Admin => Scopes.All.Contains(scope),
        OrgRole.Developer => DeveloperScopes.Contains(scope),
        _ => ViewerScopes.Contains(scope),
    };
}

/// <summary>One API key as stored (never its secret: the grain's key is the secret's SHA-256).</summary>
[GenerateSerializer, Alias("scangate.api-key.v1")]
public sealed record ApiKeyRecord
{
    [Id(0)] public required string KeyId { get; init; }
    [Id(1)] public required string OrgId { get; init; }
    [Id(2)] public required string Name { get; init; }
    [Id(3)] public required IReadOnlyList<string> Scopes { get; init; }
    [Id(4)] public string? Environment { get; init; }
    [Id(5)] public DateTimeOffset CreatedAt { get; init; }
    [Id(6)] public DateTimeOffset ExpiresAt { get; init; }
    [Id(7)] public DateTimeOffset? RevokedAt { get; init; }
    [Id(8)] public int RateLimitPerMinute { get; init; }
    [Id(9)] public DateTimeOffset? LastUsedAt { get; init; }
    /// <summary>The member whose role bounds this key.</summary>
    [Id(10)] public required string MemberId { get; init; }
    [Id(11)] public bool PlatformAdmin { get; init; }
    /// <summary>The first characters of the key, for people to tell keys apart ("sgk_AbCd…").</summary>
    [Id(12)] public required string Prefix { get; init; }
    [Id(13)] public string? CreatedBy { get; init; }
}

/// <summary>Who is calling: the authenticated key, its organisation, member, role and scopes.</summary>
[GenerateSerializer, Immutable, Alias("scangate.caller.v1")]
public sealed record Caller
{
    [Id(0)] public required string KeyId { get; init; }
    [Id(1)] public required string OrgId { get; init; }
    [Id(2)] public required string MemberId { get; init; }
    [Id(3)] public required OrgRole Role { get; init; }
    [Id(4)] public required IReadOnlyList<string> Scopes { get; init; }
    [Id(5)] public bool PlatformAdmin { get; init; }

    /// <summary>Whether the caller may use <paramref name="scope"/>: the key has it and the member's role allows it.</summary>
    public bool Can(string scope) => PlatformAdmin || (Scopes.Contains(scope) && Role.Allows(scope));
    public bool SeesOrg(string orgId) => PlatformAdmin || OrgId == orgId;
}

public enum AuthOutcome { Ok, Invalid, RateLimited }

[GenerateSerializer, Immutable, Alias("scangate.auth-result.v1")]
public sealed record AuthResult
{
    [Id(0)] public AuthOutcome Outcome { get; init; }
    [Id(1)] public Caller? Caller { get; init; }
    [Id(2)] public int RetryAfterSeconds { get; init; }
    /// <summary>For an API node that caches the answer: the key's limit and expiry.</summary>
    [Id(3)] public int RateLimitPerMinute { get; init; }
    [Id(4)] public DateTimeOffset ExpiresAt { get; init; }
}

/// <summary>An API key. Key: the lower-case hex SHA-256 of the whole key string.</summary>
[Alias("scangate.IApiKeyGrain")]
public interface IApiKeyGrain : IGrainWithStringKey
{
    [Alias("create")] Task<bool> Create(ApiKeyRecord record);
    /// <summary>Checks expiry, revocation, the member's role and the per-minute rate limit, and records the use.</summary>
    [Alias("authenticate")] Task<AuthResult> Authenticate();
    [Alias("get"), ReadOnly] Task<ApiKeyRecord?> Get();
    [Alias("revoke")] Task<bool> Revoke();
    /// <summary>Records a use that an API node answered from its cache.</summary>
    [OneWay, Alias("touch")] Task Touch(DateTimeOffset at);
}

[GenerateSerializer, Alias("scangate.member.v1")]
public sealed record Member
{
    [Id(0)] public required string MemberId { get; init; }
    [Id(1)] public required string Email { get; init; }
    [Id(2)] public string? Name { get; init; }
    [Id(3)] public OrgRole Role { get; init; }
    [Id(4)] public DateTimeOffset AddedAt { get; init; }
}

[GenerateSerializer, Alias("scangate.org-limits.v1")]
public sealed record OrgLimits
{
    [Id(0)] public int MonthlyScanQuota { get; init; } = 1000;
    [Id(1)] public int MaxConcurrentScans { get; init; } = 4;
}

[GenerateSerializer, Alias("scangate.org.v1")]
public sealed record Organization
{
    [Id(0)] public required string OrgId { get; init; }
    [Id(1)] public required string Name { get; init; }
    [Id(2)] public DateTimeOffset CreatedAt { get; init; }
    [Id(3)] public OrgLimits Limits { get; init; } = new();
    [Id(4)] public int ScansThisMonth { get; init; }
    [Id(5)] public string Month { get; init; } = "";
}

/// <summary>An organisation: members and roles, its keys, its projects, quotas. Key: the org id.</summary>
[Alias("scangate.IOrganizationGrain")]
public interface IOrganizationGrain : IGrainWithStringKey
{
    [Alias("create")] Task<bool> Create(string name, OrgLimits limits);
    [Alias("get"), ReadOnly] Task<Organization?> Get();
    [Alias("set-limits")] Task<Organization?> SetLimits(OrgLimits limits);
    [Alias("members"), ReadOnly] Task<IReadOnlyList<Member>> Members();
    [Alias("add-member")] Task<CommandResult<Member>> AddMember(string email, string? name, OrgRole role);
    [Alias("update-member")] Task<CommandResult<Member>> UpdateMember(string memberId, OrgRole role);
    /// <summary>Removes a member and revokes every key of theirs.</summary>
    [Alias("remove-member")] Task<CommandResult<Member>> RemoveMember(string memberId);
    /// <summary>Interleaves with everything: an API key grain asks it while authenticating, and must not wait behind a
    /// change of members (which revokes keys).</summary>
    [Alias("role-of"), AlwaysInterleave] Task<OrgRole?> RoleOf(string memberId);
    [Alias("register-key")] Task RegisterKey(string keyId, string keyHash, string memberId);
    [Alias("key-hash"), ReadOnly] Task<string?> KeyHash(string keyId);
    [Alias("key-hashes"), ReadOnly] Task<IReadOnlyList<string>> KeyHashes();
    /// <summary>Counts one scan against this month's quota, or refuses it.</summary>
    [Alias("charge-scan")] Task<CommandResult<int>> ChargeScan();
    [Alias("add-project")] Task AddProject(string projectKey);
    [Alias("remove-project")] Task RemoveProject(string projectKey);
    [Alias("projects"), ReadOnly] Task<IReadOnlyList<string>> Projects();
    /// <summary>The key this organisation's scan callbacks are signed with (HMAC-SHA256), made on first use.</summary>
    [Alias("callback-secret")] Task<string> CallbackSecret();
}

/// <summary>A command's answer with a value, or why it was refused.</summary>
[GenerateSerializer, Alias("scangate.command-result-of.v1`1")]
public sealed record CommandResult<T>
{
    [Id(0)] public CommandError Error { get; init; }
    [Id(1)] public string? Message { get; init; }
    [Id(2)] public T? Value { get; init; }
    public bool Ok => Error == CommandError.None;
    public static CommandResult<T> Success(T value) => new() { Value = value };
    public static CommandResult<T> Fail(CommandError e, string message) => new() { Error = e, Message = message };
}

/// <summary>Platform-wide facts: whether the deployment has been bootstrapped. Key: 0.</summary>
[Alias("scangate.IPlatformGrain")]
public interface IPlatformGrain : IGrainWithIntegerKey
{
    /// <summary>True the first time only: the caller then creates the bootstrap administrator.</summary>
    [Alias("claim-bootstrap")] Task<bool> ClaimBootstrap();
    [Alias("register-org")] Task RegisterOrg(string orgId);
    [Alias("orgs"), ReadOnly] Task<IReadOnlyList<string>> Orgs();
}
