using System.Runtime.CompilerServices;
using ScanGate.Contracts;

namespace ScanGate.Storage.Reports;

/// <summary>What a report says about its scan besides the findings: the request, the verdict, the counts and the
/// scanners that ran. Built from the scan's snapshot, by the scan grain at its end or by the API for an export.</summary>
public sealed record ReportScope
{
    public required string ScanId { get; init; }
    public required string ScanType { get; init; }
    public required string Target { get; init; }
    public required ScanStatus Status { get; init; }
    public string? ProjectKey { get; init; }
    public string? Branch { get; init; }
    public Severity? FailOnSeverity { get; init; }
    /// <summary>Null while the scan has no verdict yet.</summary>
    public bool? GatePassed { get; init; }
    public IReadOnlyList<string> GateReasons { get; init; } = [];
    public SeverityCounts Counts { get; init; } = new();
    public IReadOnlyList<ScannerState> Scanners { get; init; } = [];
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    public static ReportScope Of(ScanSnapshot scan) => new()
    {
        ScanId = scan.Id, ScanType = scan.Request.ScanType, Target = scan.Request.Target, Status = scan.Status,
        ProjectKey = scan.Request.ProjectKey, Branch = scan.Request.Branch, FailOnSeverity = scan.Request.FailOnSeverity,
        GatePassed = scan.GatePassed, GateReasons = scan.GateReasons, Counts = scan.Counts, Scanners = scan.Scanners,
        CreatedAt = scan.CreatedAt, FinishedAt = scan.FinishedAt,
    };

    /// <summary>The verdict in words: passed, failed, or not decided yet.</summary>
    public string Verdict => GatePassed switch { true => "passed", false => "failed", null => "not decided" };
}

/// <summary>Reads one page of a scan's findings (from a store, or through the scan grain).</summary>
public delegate Task<FindingPage> FindingPageReader(FindingQuery query, CancellationToken cancellationToken);

/// <summary>
/// A scan's findings, read page by page, so that a report is written while it is read and never holds more than
/// one page in memory. <see cref="Filter"/> is what every read starts from (the export's filters); a writer may
/// narrow it further (one scanner, one category).
/// </summary>
public sealed class FindingSource(FindingPageReader read, FindingQuery? filter = null, int pageSize = FindingSource.DefaultPageSize)
{
    public const int DefaultPageSize = 500;

    public FindingQuery Filter { get; } = (filter ?? new FindingQuery()) with { Cursor = null, Limit = pageSize };

    /// <summary>The findings of one scan as its store holds them.</summary>
    public static FindingSource Of(IFindingStore store, string scanId, FindingQuery? filter = null) =>
        new((query, ct) => store.ListAsync(scanId, query, ct), filter);

    /// <summary>Every finding that matches the filter (narrowed by <paramref name="narrow"/>), worst first.</summary>
    public async IAsyncEnumerable<Finding> ReadAsync(Func<FindingQuery, FindingQuery>? narrow = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = narrow is null ? Filter : narrow(Filter) with { Cursor = null, Limit = Filter.Limit };
        do
        {
            var page = await read(query, cancellationToken);
            foreach (var finding in page.Items) yield return finding;
            query = query with { Cursor = page.NextCursor };
        } while (query.Cursor is not null);
    }

    /// <summary>How many findings match (narrowed by <paramref name="narrow"/>), reading at most one.</summary>
    public async Task<int> CountAsync(Func<FindingQuery, FindingQuery>? narrow = null, CancellationToken cancellationToken = default) =>
        (await read((narrow is null ? Filter : narrow(Filter)) with { Cursor = null, Limit = 1 }, cancellationToken)).Total;
}
