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

    public void Publish(ScanSnapshot snapshot) => _snapshots[snapshot.Id] = snapshot;
    public void Remove(string scanId) => _snapshots.TryRemove(scanId, out _);
    public ScanSnapshot? Find(string scanId) => _snapshots.GetValueOrDefault(scanId);
    public int Count => _snapshots.Count;
}
