using System.Text.Json;
using ScanGate.Contracts;

namespace ScanGate.Api;

/// <summary>The JSON shapes of the native API (snake_case on the wire).</summary>
public sealed record ScanLinks(string Self, string Events, string Results);

public sealed record ScannerView(string Name, string Status, string Phase, int? Percent, string? Error, SeverityCountsView Counts, int Reruns);

public sealed record SeverityCountsView(int Critical, int High, int Medium, int Low, int Info)
{
    public static SeverityCountsView Of(SeverityCounts c) => new(c.Critical, c.High, c.Medium, c.Low, c.Info);
}

public sealed record ScanView(
    string Id, string ScanType, string Target, string ScanProfile, string Status,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    IReadOnlyList<ScannerView> Scanners, SeverityCountsView Counts, bool? GatePassed, string FailOnSeverity,
    string? Project, string? Branch, JsonElement? PipelineContext, string? RescanOf, string? RescannedAs, string? ScheduleId, ScanLinks Links,
    string? Commit, GateView Gate, int Uploads, int ExpectedUploads)
{
    public static ScanView Of(ScanSnapshot s) => new(
        s.Id, s.Request.ScanType, s.Request.Target, s.Request.Profile, s.Status.Word(),
        s.CreatedAt, s.StartedAt, s.FinishedAt,
        s.Scanners.Select(r => new ScannerView(r.Name, r.Status.Word(), r.Phase.Word(), r.Percent, r.Error, SeverityCountsView.Of(r.Counts), r.Reruns)).ToList(),
        SeverityCountsView.Of(s.Counts), s.GatePassed, s.Request.FailOnSeverity?.Word() ?? "none",
        s.Request.ProjectKey, s.Request.Branch, ParseContext(s.Request.PipelineContextJson), s.RescanOf, s.RescannedAs, s.Request.ScheduleId, LinksOf(s.Id),
        s.Request.Commit, GateView.Of(s), s.Uploads, s.Request.ExpectedUploads);

    public static ScanLinks LinksOf(string id) =>
        new($"/api/v1/scans/{id}", $"/api/v1/scans/{id}/events", $"/api/v1/scans/{id}/results");

    internal static JsonElement? ParseContext(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}

public sealed record ResultsView(
    string Id, string ScanType, string Target, string ScanProfile, string Status,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    IReadOnlyList<ScannerView> Scanners, SeverityCountsView Counts, bool? GatePassed, string FailOnSeverity,
    IReadOnlyList<string> Reasons, int FindingsCount, string? Project, string? Branch, JsonElement? PipelineContext,
    string? RescanOf, string? RescannedAs, string? ScheduleId, ScanLinks Links,
    int? Score, string? Grade, string? ComplianceGrade, GateView Gate);

/// <summary>The gate a scan is judged by, and (once it is over) its verdict.</summary>
public sealed record GateView(
    bool? Passed, IReadOnlyList<string> Reasons, int? Score, string? Grade, string? ComplianceGrade,
    SeverityCountsView? Judged, SeverityCountsView? NewCounts, string? BaselineScanId,
    string FailOnSeverity, IReadOnlyDictionary<string, int> MaxCounts, bool? FailOnSast, bool? FailOnDependency, bool? FailOnIac, bool? FailOnSecrets,
    bool NewOnly, string? BaseBranch, string? BaseCommit, string ImagePolicy)
{
    public static GateView Of(ScanSnapshot s)
    {
        var spec = s.Request.Gate;
        var v = s.Verdict;
        return new(s.GatePassed, s.GateReasons, v?.Score, v?.Grade, v?.ComplianceGrade,
            v is null ? null : SeverityCountsView.Of(v.Judged), v?.New is { } n ? SeverityCountsView.Of(n) : null, v?.BaselineScanId,
            s.Request.FailOnSeverity?.Word() ?? "none", spec.MaxCounts.ToDictionary(m => m.Key.Word(), m => m.Value),
            spec.FailOnSast, spec.FailOnDependency, spec.FailOnIac, spec.FailOnSecrets,
            spec.NewOnly, spec.BaseBranch, spec.BaseCommit, spec.ImagePolicy.Word());
    }
}

public sealed record CreatedScanView(string Id, string Status, ScanLinks Links);

public sealed record FindingView(
    string Id, string ScanId, string? Project, string Fingerprint, string Scanner, string Category, string Severity, string Title,
    string? Description, string? RuleId, IReadOnlyList<string> Cves, double? Cvss, FindingLocation Location,
    string? Remediation, IReadOnlyList<string> References, DateTimeOffset DetectedAt,
    string Status, string? StatusNote, DateTimeOffset? StatusChangedAt, string? StatusChangedBy,
    string? FixedVersion, string? CvssVector, bool AuditOnly)
{
    public static FindingView Of(Finding f) => new(f.Id, f.ScanId, f.ProjectKey, f.Fingerprint, f.Scanner, f.Category, f.Severity.Word(), f.Title,
        f.Description, f.RuleId, f.Cves, f.Cvss, f.Location, f.Remediation, f.References, f.DetectedAt,
        f.Status.Word(), f.StatusNote, f.StatusChangedAt, f.StatusChangedBy, f.FixedVersion, f.CvssVector, f.AuditOnly);
}

public sealed record FindingPageView(IReadOnlyList<FindingView> Items, string? NextCursor, int Total);

public sealed record ArtifactView(string Type, string Name, string MediaType, long Size, string Sha256, DateTimeOffset CreatedAt, string Url)
{
    /// <summary>One artifact of a scan whose artifacts are <paramref name="all"/>. Its URL names it with ?name= where
    /// its type alone may not (raw reports, one per scanner; any type the scan has several of).</summary>
    public static ArtifactView Of(ArtifactInfo a, IReadOnlyList<ArtifactInfo> all)
    {
        var url = $"/api/v1/scans/{a.ScanId}/artifacts/{a.Type.Word()}";
        if (a.Type == ArtifactType.RawReport || all.Count(o => o.Type == a.Type) > 1) url += "?name=" + Uri.EscapeDataString(a.Name);
        return new(a.Type.Word(), a.Name, a.MediaType, a.Size, a.Sha256, a.CreatedAt, url);
    }
}

public sealed record ArtifactListView(IReadOnlyList<ArtifactView> Items);

public sealed record ProfileView(string Name, string Description, bool Default);
/// <summary><see cref="Available"/>: whether the scanner can run now (in process, or its image is on the answering
/// silo's engine); null when no silo answered.</summary>
public sealed record ScanTypeScannerView(string Name, string Description, bool Default, string Runs, bool? Available);
/// <param name="DefaultsNow">The default scanners that would run now (those whose image the answering silo has); null
/// when no silo answered. Empty: a scan of this type without named scanners is refused with 503.</param>
public sealed record ScanTypeView(string Name, string Description, string TargetKind, string DefaultProfile,
    IReadOnlyList<ProfileView> Profiles, IReadOnlyList<ScanTypeScannerView> Scanners, IReadOnlyList<string>? DefaultsNow);

public sealed record ScanListItemView(string Id, string ScanType, string Target, string Status, string? Project, string? Branch,
    DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, bool? GatePassed, SeverityCountsView Counts, ScanLinks Links)
{
    public static ScanListItemView Of(ScanSummary s) => new(s.Id, s.ScanType, s.Target, s.Status.Word(), s.ProjectKey, s.Branch,
        s.CreatedAt, s.FinishedAt, s.GatePassed, SeverityCountsView.Of(s.Counts), ScanView.LinksOf(s.Id));
}

public sealed record ScanListView(IReadOnlyList<ScanListItemView> Items, string? NextCursor);

public sealed record OrgView(string Id, string Name, DateTimeOffset CreatedAt, int MonthlyScanQuota, int MaxConcurrentScans, int ScansThisMonth)
{
    public static OrgView Of(Organization o) => new(o.OrgId, o.Name, o.CreatedAt, o.Limits.MonthlyScanQuota, o.Limits.MaxConcurrentScans, o.ScansThisMonth);
}

public sealed record MemberView(string Id, string Email, string? Name, string Role, DateTimeOffset AddedAt)
{
    public static MemberView Of(Member m) => new(m.MemberId, m.Email, m.Name, m.Role.Word(), m.AddedAt);
}

public sealed record ApiKeyView(string Id, string Name, string OrgId, string MemberId, string Prefix, IReadOnlyList<string> Scopes,
    string? Environment, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt,
    int RateLimitPerMinute, bool PlatformAdmin)
{
    public static ApiKeyView Of(ApiKeyRecord k) => new(k.KeyId, k.Name, k.OrgId, k.MemberId, k.Prefix, k.Scopes, k.Environment,
        k.CreatedAt, k.ExpiresAt, k.RevokedAt, k.LastUsedAt, k.RateLimitPerMinute, k.PlatformAdmin);
}

/// <summary>The one answer that carries a key's plaintext: the answer to its creation.</summary>
public sealed record CreatedApiKeyView(string Id, string Name, string OrgId, string MemberId, string Prefix, IReadOnlyList<string> Scopes,
    string? Environment, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, int RateLimitPerMinute, string Key)
{
    public static CreatedApiKeyView Of(ApiKeyRecord r, string plaintext) => new(r.KeyId, r.Name, r.OrgId, r.MemberId, r.Prefix, r.Scopes,
        r.Environment, r.CreatedAt, r.ExpiresAt, r.RateLimitPerMinute, plaintext);
}

/// <summary>A project; its webhook secret is never shown, only whether it has one.</summary>
public sealed record ProjectView(string Key, string Name, string? RepositoryUrl, string DefaultBranch, string FailOnSeverity,
    string? DastTargetUrl, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<string> RecentScans, bool CreatedOnTheFly,
    bool WebhookSecretSet, IReadOnlyList<string> RepositoryIds, string? Description)
{
    public static ProjectView Of(Project p) => new(p.Key, p.Name, p.RepositoryUrl, p.DefaultBranch, p.FailOnSeverity?.Word() ?? "none",
        p.DastTargetUrl, p.CreatedAt, p.UpdatedAt, p.RecentScans, p.CreatedOnTheFly, p.WebhookSecret is not null, p.RepositoryIds, p.Description);
}

/// <summary>A project schedule; <c>fail_on_severity</c> is null when each run takes the project's default.</summary>
public sealed record ScheduleView(string Id, string Project, string Cron, string Timezone, bool Enabled,
    string ScanType, string Target, string ScanProfile, IReadOnlyList<string> Scanners, string? FailOnSeverity, string? Branch,
    JsonElement? PipelineContext, string? CallbackUrl, DateTimeOffset CreatedAt, string? CreatedBy,
    DateTimeOffset? NextRunAt, DateTimeOffset? LastRunAt, string? LastScanId, string? LastError)
{
    public static ScheduleView Of(ProjectSchedule s) => new(s.Id, s.Scan.ProjectKey ?? "", s.Cron, s.TimeZone, s.Enabled,
        s.Scan.ScanType, s.Scan.Target, s.Scan.Profile, s.Scan.Scanners,
        s.FailOnSeverityChosen ? s.Scan.FailOnSeverity?.Word() ?? "none" : null, s.Scan.Branch,
        ScanView.ParseContext(s.Scan.PipelineContextJson), s.Scan.CallbackUrl, s.CreatedAt, s.CreatedBy,
        s.NextRunAt, s.LastRunAt, s.LastScanId, s.LastError);
}

public sealed record BulkTriageView(int Updated, IReadOnlyList<string> NotFound, IReadOnlyList<FindingView> Items);

public sealed record AuditEntryView(string Id, string OrgId, DateTimeOffset At, string Action, string Actor, string KeyId, string? ClientIp,
    string? Target, IReadOnlyDictionary<string, string> Details)
{
    public static AuditEntryView Of(AuditEntry e) => new(e.Id, e.OrgId, e.At, e.Action, e.Actor, e.KeyId, e.ClientIp, e.Target, e.Details);
}

public sealed record PageView<T>(IReadOnlyList<T> Items, string? NextCursor);
