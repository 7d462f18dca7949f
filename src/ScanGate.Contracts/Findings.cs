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

    /// <summary>A compact, stable text form used for fingerprints and display.</summary>
    public override string ToString() => string.Join("|", new[]
    {
        File, Line?.ToString(), Url, Host, Port?.ToString(), Package, Version,
    }.Where(p => !string.IsNullOrEmpty(p)));
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
