using ScanGate.Contracts;

namespace ScanGate.Storage;

/// <summary>Findings of scans. Every adapter (in-memory, PostgreSQL, MongoDB) passes the same contract tests.</summary>
public interface IFindingStore
{
    /// <summary>Adds one batch. A finding whose fingerprint the scan already holds is merged, not stored twice.</summary>
    Task AddAsync(string scanId, IReadOnlyList<Finding> batch, CancellationToken cancellationToken = default);
    /// <summary>Newest-severity-first page of a scan's findings, after the cursor (exclusive).</summary>
    Task<FindingPage> ListAsync(string scanId, FindingQuery query, CancellationToken cancellationToken = default);
    Task<SeverityCounts> CountAsync(string scanId, CancellationToken cancellationToken = default);
    /// <summary>Removes every finding of a scan (a cancelled scan keeps none).</summary>
    Task DeleteScanAsync(string scanId, CancellationToken cancellationToken = default);
    /// <summary>Removes the findings of one scanner of a scan (a rerun replaces them).</summary>
    Task DeleteScannerAsync(string scanId, string scanner, CancellationToken cancellationToken = default);
}

