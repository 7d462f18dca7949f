using ScanGate.Contracts;

namespace ScanGate.Grains;

[GenerateSerializer, Alias("scangate.scan-numbers-state.v1")]
public sealed class ScanNumbersState
{
    /// <summary>The native scan id of each number; numbers are 1, 2, 3 … in the order they were assigned.</summary>
    [Id(0)] public List<string> ScanIds { get; set; } = [];
}

/// <summary>See <see cref="IScanNumbersGrain"/>. A number is the position of the scan id in the list, plus one.</summary>
public sealed class ScanNumbersGrain([PersistentState("scan-numbers", "state")] IPersistentState<ScanNumbersState> store)
    : Grain, IScanNumbersGrain
{
    private Dictionary<string, long>? _index;

    private Dictionary<string, long> Index => _index ??= store.State.ScanIds.Select((id, i) => (id, n: (long)i + 1)).ToDictionary(p => p.id, p => p.n, StringComparer.Ordinal);

    public async Task<long> Assign(string scanId)
    {
        if (Index.TryGetValue(scanId, out var known)) return known;
        store.State.ScanIds.Add(scanId);
        try { await store.WriteStateAsync(); }
        catch
        {
            store.State.ScanIds.RemoveAt(store.State.ScanIds.Count - 1);
            throw;
        }
        var number = store.State.ScanIds.Count;
        Index[scanId] = number;
        return number;
    }

    public Task<string?> Find(long number) =>
        Task.FromResult(number >= 1 && number <= store.State.ScanIds.Count ? store.State.ScanIds[(int)(number - 1)] : null);
}
