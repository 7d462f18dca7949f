using System.Text.Json;
using System.Text.Json.Serialization;

namespace ScanGate.Cli.Api;

// The parts of the native API's JSON the CLI reads (snake_case on the wire). Unknown members are ignored, so the
// API can grow without breaking the tool; --json prints the API's own documents, not these.

public sealed record SeverityCounts(int Critical, int High, int Medium, int Low, int Info)
{
    public int Total => Critical + High + Medium + Low + Info;
    public int Of(string severity) => severity switch
    {
        "critical" => Critical, "high" => High, "medium" => Medium, "low" => Low, "info" => Info, _ => 0,
    };
}

public sealed record ScanLinks(string Self, string Events, string Results);

public sealed record ScannerState(string Name, string Status, string Phase, int? Percent, string? Error, SeverityCounts Counts);

public sealed record GateState(bool? Passed, IReadOnlyList<string>? Reasons, int? Score, string? Grade, string FailOnSeverity,
    IReadOnlyDictionary<string, int>? MaxCounts, bool NewOnly);

public sealed record Scan(
    string Id, string ScanType, string Target, string ScanProfile, string Status,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    IReadOnlyList<ScannerState> Scanners, SeverityCounts Counts, bool? GatePassed, string FailOnSeverity,
    string? Project, string? Branch, string? Commit, ScanLinks Links, GateState? Gate)
{
    public bool IsOver => ScanStatuses.IsTerminal(Status);
}

public static class ScanStatuses
{
    public static bool IsTerminal(string status) => status is "completed" or "failed" or "stopped" or "cancelled";
}

public sealed record CreatedScan(string Id, string Status, ScanLinks Links);

public sealed record FindingLocation(string? File, int? Line, string? Url, string? Host, int? Port, string? Package, string? Version, string? Image);

public sealed record Finding(
    string Id, string ScanId, string Fingerprint, string Scanner, string Category, string Severity, string Title,
    string? Description, string? RuleId, IReadOnlyList<string>? Cves, double? Cvss, FindingLocation? Location,
    string? Remediation, IReadOnlyList<string>? References, string Status);

public sealed record FindingPage(IReadOnlyList<Finding> Items, string? NextCursor, int? Total);

/// <summary>One event of a scan's SSE stream (the snapshot event's data is a <see cref="Scan"/> instead).</summary>
public sealed record ScanEvent(long Sequence, string Type, DateTimeOffset At, string? Status, string? Scanner, string? Phase,
    int? Percent, IReadOnlyList<string>? Lines, SeverityCounts? Counts, bool? GatePassed, string? Message, string? RunStatus);

public sealed record Problem(string? Title, int? Status, string? Detail, string? Field);

public sealed record ApiKey(string Id, string Name, string Prefix, IReadOnlyList<string> Scopes, string? Environment,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, string? Key);

public sealed record Project(string Key, string Name, string? RepositoryUrl, string DefaultBranch, string FailOnSeverity,
    DateTimeOffset CreatedAt, IReadOnlyList<string>? RecentScans);

public sealed record Upload(string ScanId, string Tool, string Format, int Findings, long Bytes, int Uploads, int ExpectedUploads, string Status);

public sealed record ItemList<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>Source-generated (de)serialisation: reflection-free, which keeps the tool's cold start short.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true)]
[JsonSerializable(typeof(Scan))]
[JsonSerializable(typeof(CreatedScan))]
[JsonSerializable(typeof(FindingPage))]
[JsonSerializable(typeof(ScanEvent))]
[JsonSerializable(typeof(Problem))]
[JsonSerializable(typeof(ApiKey))]
[JsonSerializable(typeof(ItemList<ApiKey>))]
[JsonSerializable(typeof(Project))]
[JsonSerializable(typeof(List<Project>))]
[JsonSerializable(typeof(ItemList<Project>))]
[JsonSerializable(typeof(Upload))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(Dictionary<string, object?>))]
[JsonSerializable(typeof(Dictionary<string, int>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(CliProfile))]
[JsonSerializable(typeof(ScanOutcome))]
internal sealed partial class CliJson : JsonSerializerContext;

/// <summary>What <c>scangate login</c> keeps (file mode 0600).</summary>
public sealed record CliProfile(string Url, string ApiKey);

/// <summary>The machine-readable summary of <c>scangate scan</c> (its --json output), shaped for CI steps.</summary>
public sealed record ScanOutcome(string ScanId, string Status, bool? GatePassed, int ExitCode, string Verdict, SeverityCounts Counts,
    int TotalFindings, int? Score, string? Grade, IReadOnlyList<string> Reasons, string ReportUrl, IReadOnlyList<ScannerState> Scanners);
