namespace ScanGate.Contracts;

/// <summary>One normalised finding, whatever tool reported it.</summary>
[GenerateSerializer, Alias("scangate.finding.v1")]
public sealed record Finding
{
    [Id(0)] public required string Id { get; init; }
    /// <summary>Stable across scans: same tool rule, same location, same package.</summary>
    [Id(1)] public required string Fingerprint { get; init; }
    [Id(2)] public required string ScanId { get; init; }
    [Id(3)] public required string Scanner { get; init; }
    [Id(4)] public required string Category { get; init; }
    [Id(5)] public required Severity Severity { get; init; }
    [Id(6)] public required string Title { get; init; }
    [Id(7)] public string? Description { get; init; }
    [Id(8)] public string? RuleId { get; init; }
    [Id(9)] public IReadOnlyList<string> Cves { get; init; } = [];
    [Id(10)] public double? Cvss { get; init; }
    [Id(11)] public FindingLocation Location { get; init; } = new();
    [Id(12)] public string? Remediation { get; init; }
    [Id(13)] public IReadOnlyList<string> References { get; init; } = [];
    [Id(14)] public DateTimeOffset DetectedAt { get; init; }
    [Id(15)] public string OrgId { get; init; } = "";
    [Id(16)] public string? ProjectKey { get; init; }
    [Id(17)] public FindingStatus Status { get; init; } = FindingStatus.Open;
    [Id(18)] public string? StatusNote { get; init; }
    [Id(19)] public DateTimeOffset? StatusChangedAt { get; init; }
    [Id(20)] public string? StatusChangedBy { get; init; }
    /// <summary>The version of <see cref="FindingLocation.Package"/> that no longer has the problem.</summary>
    [Id(21)] public string? FixedVersion { get; init; }
    /// <summary>The CVSS vector the score came from, when the tool gave one.</summary>
    [Id(22)] public string? CvssVector { get; init; }
    /// <summary>For image scans: the policy (image rule) this finding breaks is in audit mode and never fails a gate.</summary>
    [Id(23)] public bool AuditOnly { get; init; }
}

/// <summary>The categories a finding falls in (the API's words).</summary>
public static class FindingCategories
{
    public const string Vulnerability = "vulnerability";
    public const string Sast = "sast";
    public const string Secret = "secret";
    public const string Iac = "iac";
    public const string Misconfiguration = "misconfiguration";
    public const string Network = "network";
    public const string Tls = "tls";
    public const string Header = "header";
    public const string License = "license";
    public const string SbomComponent = "sbom_component";
    /// <summary>Malicious code: web shells, droppers, miners, hostile install scripts (YARA's rule pack).</summary>
    public const string Malware = "malware";

    public static readonly IReadOnlyList<string> All =
        [Vulnerability, Sast, Secret, Iac, Misconfiguration, Network, Tls, Header, License, SbomComponent, Malware];

    public static bool IsKnown(string category) => All.Contains(category);
}

[GenerateSerializer, Alias("scangate.finding-location.v1")]
public sealed record FindingLocation
{
    [Id(0)] public string? File { get; init; }
    [Id(1)] public int? Line { get; init; }
    [Id(2)] public string? Url { get; init; }
    [Id(3)] public string? Host { get; init; }
    [Id(4)] public int? Port { get; init; }
    [Id(5)] public string? Package { get; init; }
    [Id(6)] public string? Version { get; init; }
    /// <summary>For image scans: the image reference that was scanned.</summary>
    [Id(7)] public string? Image { get; init; }
    /// <summary>For image scans: the layer (digest or the instruction that made it) the problem came in with.</summary>
    [Id(8)] public string? Layer { get; init; }
    /// <summary>A named object inside <see cref="File"/>, for manifests that hold several: a Kubernetes object as
    /// "Kind/namespace/name".</summary>
    [Id(9)] public string? Resource { get; init; }

    /// <summary>A compact text form for display and search.</summary>
    public override string ToString() => string.Join("|", new[]
    {
        Image, File, Line?.ToString(), Resource, Url, Host, Port?.ToString(), Package, Version,
    }.Where(p => !string.IsNullOrEmpty(p)));

    /// <summary>What identifies the place across scans: the package without its version (an upgrade that does not
    /// fix the problem is the same finding) and without the layer (a rebuilt image has new layer digests).</summary>
    public string IdentityKey() => string.Join("|", new[]
    {
        Image is null ? null : ImageName(Image), File, Line?.ToString(), Resource, Url, Host, Port?.ToString(), Package,
    }.Where(p => !string.IsNullOrEmpty(p)));

    /// <summary>The image's repository without tag or digest, so a new tag of the same image keeps its findings' identity.</summary>
    private static string ImageName(string image)
    {
        var at = image.IndexOf('@');
        if (at >= 0) image = image[..at];
        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > slash ? image[..colon] : image;
    }
}

/// <summary>Counts of findings per severity.</summary>
[GenerateSerializer, Alias("scangate.severity-counts.v1")]
public sealed record SeverityCounts
{
    [Id(0)] public int Critical { get; init; }
    [Id(1)] public int High { get; init; }
    [Id(2)] public int Medium { get; init; }
    [Id(3)] public int Low { get; init; }
    [Id(4)] public int Info { get; init; }

    public int Total => Critical + High + Medium + Low + Info;

    public int AtOrAbove(Severity threshold) =>
        (threshold <= Severity.Critical ? Critical : 0)
        + (threshold <= Severity.High ? High : 0)
        + (threshold <= Severity.Medium ? Medium : 0)
        + (threshold <= Severity.Low ? Low : 0)
        + (threshold <= Severity.Info ? Info : 0);

    public SeverityCounts Add(SeverityCounts o) => new()
    {
        Critical = Critical + o.Critical, High = High + o.High, Medium = Medium + o.Medium,
        Low = Low + o.Low, Info = Info + o.Info,
    };

    public static SeverityCounts Of(IEnumerable<Finding> findings)
    {
        int c = 0, h = 0, m = 0, l = 0, i = 0;
        foreach (var f in findings)
        {
            switch (f.Severity)
            {
                case Severity.Critical: c++; break;
                case Severity.High: h++; break;
                case Severity.Medium: m++; break;
                case Severity.Low: l++; break;
                default: i++; break;
            }
        }
        return new() { Critical = c, High = h, Medium = m, Low = l, Info = i };
    }
}

/// <summary>One page of a scan's findings: filters and an opaque cursor.</summary>
[GenerateSerializer, Alias("scangate.finding-query.v1")]
public sealed record FindingQuery
{
    [Id(0)] public int Limit { get; init; } = 50;
    /// <summary>Opaque cursor from the previous page's <see cref="FindingPage.NextCursor"/>.</summary>
    [Id(1)] public string? Cursor { get; init; }
    [Id(2)] public Severity? MinSeverity { get; init; }
    [Id(3)] public string? Scanner { get; init; }
    /// <summary>Exact severities to keep (empty: all).</summary>
    [Id(4)] public IReadOnlyList<Severity> Severities { get; init; } = [];
    [Id(5)] public FindingStatus? Status { get; init; }
    [Id(6)] public string? Category { get; init; }
    /// <summary>Case-insensitive text searched in title, description, rule and location.</summary>
    [Id(7)] public string? Text { get; init; }
    [Id(8)] public string? ScanId { get; init; }
    [Id(9)] public string? ProjectKey { get; init; }
}

[GenerateSerializer, Alias("scangate.finding-page.v1")]
public sealed record FindingPage(
    [property: Id(0)] IReadOnlyList<Finding> Items,
    [property: Id(1)] string? NextCursor,
    [property: Id(2)] int Total);
