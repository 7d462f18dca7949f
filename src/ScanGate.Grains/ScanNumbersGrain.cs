using ScanGate.Contracts;

namespace ScanGate.Grains;

[GenerateSerializer, Alias("scangate.scan-numbers-state.v2")]
public sealed class ScanNumbersState
{
    /// <summary>The whole list, as earlier versions kept it; moved into blocks when such a grain is next activated.</summary>
    [Id(0)] public List<string>? ScanIds { get; set; }
    /// <summary>The last number assigned; numbers are 1, 2, 3 … in the order they were assigned.</summary>
    [Id(1)] public long Last { get; set; }
}

/// <summary>
/// See <see cref="IScanNumbersGrain"/>. Each assignment writes three small states — this counter, the block of
/// <see cref="ScanNumberBlockGrain.Size"/> numbers the new one falls in, and the scan's own number — so its cost does
/// not grow with the numbers assigned before it. The grain is not reentrant: assignments of one surface and
/// organisation happen one at a time, so a scan never gets two numbers.
/// </summary>
public sealed class ScanNumbersGrain([PersistentState("scan-numbers", "state")] IPersistentState<ScanNumbersState> store)
    : Grain, IScanNumbersGrain
{
    private string Key => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (store.State.ScanIds is not { Count: > 0 } legacy) return;
        for (var i = 0; i < legacy.Count; i++)
        {
            var number = i + 1L;
            await GrainFactory.GetGrain<IScanNumberBlockGrain>(ScanNumberBlockGrain.KeyOf(Key, number)).Put(number, legacy[i]);
            await GrainFactory.GetGrain<IScanNumberOfGrain>($"{Key}/{legacy[i]}").Set(number);
        }
        store.State.Last = Math.Max(store.State.Last, legacy.Count);
        store.State.ScanIds = null;
        await store.WriteStateAsync(cancellationToken);
    }

    public async Task<long> Assign(string scanId)
    {
        var own = GrainFactory.GetGrain<IScanNumberOfGrain>($"{Key}/{scanId}");
        if (await own.Get() is { } known) return known;
        var number = store.State.Last + 1;
        store.State.Last = number;
        try { await store.WriteStateAsync(); }
        catch
        {
            store.State.Last = number - 1;
            throw;
        }
        // A crash between these writes leaves a number unused, never one used twice.
        await GrainFactory.GetGrain<IScanNumberBlockGrain>(ScanNumberBlockGrain.KeyOf(Key, number)).Put(number, scanId);
        await own.Set(number);
        return number;
    }

    public Task<string?> Find(long number) =>
        number >= 1 && number <= store.State.Last
            ? GrainFactory.GetGrain<IScanNumberBlockGrain>(ScanNumberBlockGrain.KeyOf(Key, number)).Find(number)
            : Task.FromResult<string?>(null);
}

/// <summary>The scan ids of one block of numbers. Key: "{numbers key}/{block}". Used by <see cref="ScanNumbersGrain"/> only.</summary>
[Alias("scangate.IScanNumberBlockGrain")]
internal interface IScanNumberBlockGrain : IGrainWithStringKey
{
    [Alias("put")] Task Put(long number, string scanId);
    [Alias("find"), Orleans.Concurrency.ReadOnly] Task<string?> Find(long number);
}

/// <summary>The number a scan was given. Key: "{numbers key}/{scanId}". Used by <see cref="ScanNumbersGrain"/> only.</summary>
[Alias("scangate.IScanNumberOfGrain")]
internal interface IScanNumberOfGrain : IGrainWithStringKey
{
    [Alias("get"), Orleans.Concurrency.ReadOnly] Task<long?> Get();
    [Alias("set")] Task Set(long number);
}

[GenerateSerializer, Alias("scangate.scan-number-block-state.v1")]
public sealed class ScanNumberBlockState
{
    [Id(0)] public Dictionary<long, string> ScanIds { get; set; } = [];
}

internal sealed class ScanNumberBlockGrain([PersistentState("scan-number-block", "state")] IPersistentState<ScanNumberBlockState> store)
    : Grain, IScanNumberBlockGrain
{
    public const long Size = 1000;

    public static string KeyOf(string numbersKey, long number) => $"{numbersKey}/{(number - 1) / Size}";

    public async Task Put(long number, string scanId)
    {
        if (store.State.ScanIds.TryGetValue(number, out var existing) && existing == scanId) return;
        store.State.ScanIds[number] = scanId;
        await store.WriteStateAsync();
    }

    public Task<string?> Find(long number) => Task.FromResult(store.State.ScanIds.GetValueOrDefault(number));
}

[GenerateSerializer, Alias("scangate.scan-number-of-state.v1")]
public sealed class ScanNumberOfState
{
    [Id(0)] public long? Number { get; set; }
}

internal sealed class ScanNumberOfGrain([PersistentState("scan-number-of", "state")] IPersistentState<ScanNumberOfState> store)
    : Grain, IScanNumberOfGrain
{
    public Task<long?> Get() => Task.FromResult(store.State.Number);

    public async Task Set(long number)
    {
        store.State.Number = number;
        await store.WriteStateAsync();
    }
}
