using System.Collections.Concurrent;

namespace ScanGate.Contracts;

/// <summary>
/// The latest snapshot of each scan whose grain is active in this process, written by the grain itself at
/// every change and dropped when it deactivates. An API co-hosted with the silo answers polls from here
/// without a grain call (CI polling is the hottest path there is); anything not here is asked of the grain.
/// </summary>
public sealed class ScanSnapshotMirror
{
    private readonly ConcurrentDictionary<string, ScanSnapshot> _snapshots = new(StringComparer.Ordinal);

    /// <summary>Every published change, with the snapshot it replaced (null after an activation): what the
    /// host's metrics read scan and run durations from.</summary>
    public event Action<ScanSnapshot?, ScanSnapshot>? Changed;

    public void Publish(ScanSnapshot snapshot)
    {
        ScanSnapshot? previous = null;
        _snapshots.AddOrUpdate(snapshot.Id, snapshot, (_, old) => { previous = old; return snapshot; });
        Changed?.Invoke(previous, snapshot);
    }

    public void Remove(string scanId) => _snapshots.TryRemove(scanId, out _);
    public ScanSnapshot? Find(string scanId) => _snapshots.GetValueOrDefault(scanId);
    public int Count => _snapshots.Count;
    /// <summary>The scans active in this process now (a moment's copy).</summary>
    public IReadOnlyCollection<ScanSnapshot> All => _snapshots.Values.ToList();
}
