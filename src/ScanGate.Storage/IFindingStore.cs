using ScanGate.Contracts;

namespace ScanGate.Storage;

/// <summary>Findings of scans. Every adapter (in-memory, PostgreSQL, MongoDB) passes the same contract tests.</summary>
public interface IFindingStore
{
    /// <summary>Adds one batch. A finding whose fingerprint the scan already holds is merged, not stored twice;
    /// a triage status set earlier on the same fingerprint in the same project carries over.</summary>
    Task AddAsync(string scanId, IReadOnlyList<Finding> batch, CancellationToken cancellationToken = default);
    /// <summary>A page of one scan's findings, worst severity first, after the cursor (exclusive).</summary>
    Task<FindingPage> ListAsync(string scanId, FindingQuery query, CancellationToken cancellationToken = default);
    /// <summary>A page of findings across scans of one organisation (every organisation when null).</summary>
    Task<FindingPage> QueryAsync(string? orgId, FindingQuery query, CancellationToken cancellationToken = default);
    Task<Finding?> GetAsync(string findingId, CancellationToken cancellationToken = default);
    /// <summary>Sets a triage status on findings and remembers it for their fingerprints in their projects.</summary>
    Task<IReadOnlyList<Finding>> SetStatusAsync(IReadOnlyList<string> findingIds, FindingStatus status, string? note, string actor,
        DateTimeOffset at, CancellationToken cancellationToken = default);
    Task<SeverityCounts> CountAsync(string scanId, CancellationToken cancellationToken = default);
    /// <summary>Removes every finding of a scan (a cancelled scan keeps none).</summary>
    Task DeleteScanAsync(string scanId, CancellationToken cancellationToken = default);
    /// <summary>Removes the findings of one scanner of a scan (a rerun replaces them).</summary>
    Task DeleteScannerAsync(string scanId, string scanner, CancellationToken cancellationToken = default);
}

public static class FindingFilter
{
    public static bool Matches(Finding f, FindingQuery q) =>
        (q.MinSeverity is null || f.Severity >= q.MinSeverity)
        && (q.Severities.Count == 0 || q.Severities.Contains(f.Severity))
        && (q.Scanner is null || f.Scanner == q.Scanner)
        && (q.Status is null || f.Status == q.Status)
        && (q.Category is null || f.Category == q.Category)
        && (q.ScanId is null || f.ScanId == q.ScanId)
        && (q.ProjectKey is null || f.ProjectKey == q.ProjectKey)
        && (string.IsNullOrEmpty(q.Text) || Contains(f.Title, q.Text) || Contains(f.Description, q.Text)
            || Contains(f.RuleId, q.Text) || Contains(f.Location.ToString(), q.Text));

    private static bool Contains(string? haystack, string needle) =>
        haystack is not null && haystack.Contains(needle, StringComparison.OrdinalIgnoreCase);
}
