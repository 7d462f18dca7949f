using Orleans.Concurrency;

namespace ScanGate.Contracts;

[GenerateSerializer, Alias("scangate.project.v1")]
public sealed record Project
{
    [Id(0)] public required string OrgId { get; init; }
    [Id(1)] public required string Key { get; init; }
    [Id(2)] public required string Name { get; init; }
    [Id(3)] public string? RepositoryUrl { get; init; }
    [Id(4)] public string DefaultBranch { get; init; } = "main";
    /// <summary>The default gate threshold for this project's scans; null means "none".</summary>
    [Id(5)] public Severity? FailOnSeverity { get; init; } = Severity.Critical;
    [Id(6)] public string? DastTargetUrl { get; init; }
    [Id(7)] public DateTimeOffset CreatedAt { get; init; }
    [Id(8)] public DateTimeOffset UpdatedAt { get; init; }
    [Id(9)] public IReadOnlyList<string> RecentScans { get; init; } = [];
    [Id(10)] public bool CreatedOnTheFly { get; init; }
    /// <summary>The secret inbound Git webhooks of this project are signed with (GitHub) or carry (GitLab); never shown.</summary>
    [Id(11)] public string? WebhookSecret { get; init; }
    /// <summary>The repository's own ids on its Git host (a GitHub node id "R_kgDO…", a numeric id), by which CI
    /// integrations that know only those name it.</summary>
    [Id(12)] public IReadOnlyList<string> RepositoryIds { get; init; } = [];
    [Id(13)] public string? Description { get; init; }
}

/// <summary>A project's settings and recent scans. Key: "{orgId}/{projectKey}".</summary>
[Alias("scangate.IProjectGrain")]
public interface IProjectGrain : IGrainWithStringKey
{
    [Alias("create")] Task<CommandResult<Project>> Create(Project project);
    /// <summary>Returns the project, creating it from <paramref name="template"/> when it does not exist.</summary>
    [Alias("ensure")] Task<Project> Ensure(Project template);
    [Alias("get"), ReadOnly] Task<Project?> Get();
    [Alias("update")] Task<CommandResult<Project>> Update(Project project);
    [Alias("delete")] Task<bool> Delete();
    [Alias("add-scan")] Task AddScan(string scanId);
    /// <summary>A completed scan becomes the baseline of its branch and of its commit (for new_only gates).</summary>
    [Alias("record-baseline")] Task RecordBaseline(string scanId, string? branch, string? commit);
    /// <summary>The scan a new_only gate compares with: the commit's when given and known, else the branch's.</summary>
    [Alias("find-baseline"), ReadOnly] Task<string?> FindBaseline(string? branch, string? commit);
    /// <summary>The completed scan of exactly this commit, if the project has one (no branch fallback).</summary>
    [Alias("find-commit-baseline"), ReadOnly] Task<string?> FindCommitBaseline(string commit);

    /// <summary>Starts a scan of this project: the one place a scan is started from a request, for the API and
    /// for schedules alike. The scan takes the project's gate unless the request chose its own.</summary>
    [Alias("start-scan")] Task<CommandResult> StartScan(ScanRequest request, bool failOnSeverityChosen);

    /// <summary>The project's schedules, or null when the project does not exist.</summary>
    [Alias("schedules"), ReadOnly] Task<IReadOnlyList<ProjectSchedule>?> Schedules();
    [Alias("add-schedule")] Task<CommandResult<ProjectSchedule>> AddSchedule(ProjectSchedule schedule);
    [Alias("change-schedule")] Task<CommandResult<ProjectSchedule>> ChangeSchedule(string scheduleId, ScheduleChange change);
    [Alias("remove-schedule")] Task<bool> RemoveSchedule(string scheduleId);

    static string KeyOf(string orgId, string projectKey) => $"{orgId}/{projectKey}";
}

/// <summary>Fair admission of scans: a cluster-wide limit, a per-organisation limit, and round-robin
/// between organisations so one tenant's burst never starves another. Key: 0.</summary>
[Alias("scangate.IAdmissionGrain")]
public interface IAdmissionGrain : IGrainWithIntegerKey
{
    /// <summary>True when the scan may start now; otherwise it waits its turn and is told by IScanGrain.Admitted.</summary>
    [Alias("enqueue")] Task<bool> Enqueue(string scanId, string orgId, int orgMaxConcurrent);
    /// <summary>The scan no longer holds or waits for a slot.</summary>
    [Alias("release")] Task Release(string scanId);
    [Alias("snapshot"), ReadOnly] Task<AdmissionSnapshot> Snapshot();
}

[GenerateSerializer, Alias("scangate.admission-snapshot.v1")]
public sealed record AdmissionSnapshot(
    [property: Id(0)] int Running,
    [property: Id(1)] int Queued,
    [property: Id(2)] int Capacity);

/// <summary>One row of the scan list.</summary>
[GenerateSerializer, Alias("scangate.scan-summary.v1")]
public sealed record ScanSummary
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string OrgId { get; init; }
    [Id(2)] public string? ProjectKey { get; init; }
    [Id(3)] public required string ScanType { get; init; }
    [Id(4)] public required string Target { get; init; }
    [Id(5)] public ScanStatus Status { get; init; }
    [Id(6)] public string? Branch { get; init; }
    [Id(7)] public DateTimeOffset CreatedAt { get; init; }
    [Id(8)] public DateTimeOffset? FinishedAt { get; init; }
    [Id(9)] public bool? GatePassed { get; init; }
    [Id(10)] public SeverityCounts Counts { get; init; } = new();
}

[GenerateSerializer, Alias("scangate.scan-list-query.v1")]
public sealed record ScanListQuery
{
    [Id(0)] public string? OrgId { get; init; }
    [Id(1)] public string? ProjectKey { get; init; }
    [Id(2)] public ScanStatus? Status { get; init; }
    [Id(3)] public string? ScanType { get; init; }
    [Id(4)] public string? Branch { get; init; }
    [Id(5)] public DateTimeOffset? Since { get; init; }
    [Id(6)] public string? Cursor { get; init; }
    [Id(7)] public int Limit { get; init; } = 50;
}

[GenerateSerializer, Alias("scangate.page-of.v1`1")]
public sealed record Page<T>(
    [property: Id(0)] IReadOnlyList<T> Items,
    [property: Id(1)] string? NextCursor);

/// <summary>Reads across scans for the API (the list of scans). Stateless.</summary>
[Alias("scangate.IScanDirectoryGrain")]
public interface IScanDirectoryGrain : IGrainWithIntegerKey
{
    [Alias("list"), ReadOnly] Task<Page<ScanSummary>> List(ScanListQuery query);
}

public enum FindingStatus { Open, InProgress, Resolved, FalsePositive, AcceptedRisk }

/// <summary>Findings across scans, and their triage. Stateless.</summary>
[Alias("scangate.IFindingTriageGrain")]
public interface IFindingTriageGrain : IGrainWithIntegerKey
{
    [Alias("list"), ReadOnly] Task<FindingPage> List(string? orgId, FindingQuery query);
    [Alias("get"), ReadOnly] Task<Finding?> Get(string findingId);
    /// <summary>Sets the status of findings of <paramref name="orgId"/>; ids of other organisations are reported as not found.</summary>
    [Alias("set-status")] Task<TriageResult> SetStatus(string? orgId, IReadOnlyList<string> findingIds, FindingStatus status, string? note, string actor);
    /// <summary>How long findings of <paramref name="orgId"/> (every organisation when null) resolved since
    /// <paramref name="resolvedSince"/> took, per severity: from the first detection of a finding (its fingerprint in
    /// its project) to its first being set to resolved.</summary>
    [Alias("resolution-times"), ReadOnly] Task<ResolutionReport> ResolutionTimes(string? orgId, DateTimeOffset resolvedSince);
}

/// <summary>Findings of one severity resolved, and the mean hours from first detection to resolution (null when none).</summary>
[GenerateSerializer, Alias("scangate.resolution-time.v1")]
public sealed record ResolutionTime(
    [property: Id(0)] Severity Severity,
    [property: Id(1)] int Resolved,
    [property: Id(2)] double? MeanHours);

/// <summary>Resolution times per severity; <see cref="Truncated"/> when there were more findings than one report reads.</summary>
[GenerateSerializer, Alias("scangate.resolution-report.v1")]
public sealed record ResolutionReport(
    [property: Id(0)] IReadOnlyList<ResolutionTime> BySeverity,
    [property: Id(1)] bool Truncated);

[GenerateSerializer, Alias("scangate.triage-result.v1")]
public sealed record TriageResult(
    [property: Id(0)] IReadOnlyList<Finding> Updated,
    [property: Id(1)] IReadOnlyList<string> NotFound);

[GenerateSerializer, Alias("scangate.audit-entry.v1")]
public sealed record AuditEntry
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string OrgId { get; init; }
    [Id(2)] public required DateTimeOffset At { get; init; }
    [Id(3)] public required string Action { get; init; }
    /// <summary>The member who acted.</summary>
    [Id(4)] public required string Actor { get; init; }
    [Id(5)] public required string KeyId { get; init; }
    [Id(6)] public string? ClientIp { get; init; }
    [Id(7)] public string? Target { get; init; }
    [Id(8)] public IReadOnlyDictionary<string, string> Details { get; init; } = new Dictionary<string, string>();
}

[GenerateSerializer, Alias("scangate.audit-query.v1")]
public sealed record AuditQuery
{
    [Id(0)] public string? OrgId { get; init; }
    [Id(1)] public string? Action { get; init; }
    [Id(2)] public string? Actor { get; init; }
    [Id(3)] public DateTimeOffset? Since { get; init; }
    [Id(4)] public DateTimeOffset? Until { get; init; }
    [Id(5)] public string? Cursor { get; init; }
    [Id(6)] public int Limit { get; init; } = 50;
}

/// <summary>The audit log: every mutating call, who made it, from where. Stateless.</summary>
[Alias("scangate.IAuditLogGrain")]
public interface IAuditLogGrain : IGrainWithIntegerKey
{
    [Alias("append")] Task Append(AuditEntry entry);
    [Alias("query"), ReadOnly] Task<Page<AuditEntry>> Query(AuditQuery query);
}
