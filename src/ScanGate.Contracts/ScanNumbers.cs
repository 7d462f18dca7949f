namespace ScanGate.Contracts;

/// <summary>
/// Whole-number scan ids for a compatibility surface whose platform documents integer ids (the native ids are
/// <c>scn_</c> + ULID strings). One grain per surface and organisation, key "{surface}/{orgId}": numbers start at 1,
/// are never reused, and one organisation's number means nothing in another's grain.
/// </summary>
[Alias("scangate.IScanNumbersGrain")]
public interface IScanNumbersGrain : IGrainWithStringKey
{
    /// <summary>The number of <paramref name="scanId"/>, assigned now when it has none yet.</summary>
    [Alias("assign")] Task<long> Assign(string scanId);
    /// <summary>The native scan id of <paramref name="number"/>, or null when this grain never assigned it.</summary>
    [Alias("find"), Orleans.Concurrency.ReadOnly] Task<string?> Find(long number);

    static string KeyOf(string surface, string orgId) => $"{surface}/{orgId}";
}
