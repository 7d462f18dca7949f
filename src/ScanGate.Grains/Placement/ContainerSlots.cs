using Microsoft.Extensions.Options;

namespace ScanGate.Grains.Placement;

/// <summary>How many scanner containers this silo runs at once. Bound from "ScanGate:Silo".</summary>
public sealed class ContainerSlotOptions
{
    public const string Section = "ScanGate:Silo";
    /// <summary>Concurrent container slots of this silo; a run waits for a free slot before it creates its container.</summary>
    public int ContainerSlots { get; set; } = Math.Max(2, Environment.ProcessorCount * 2);
}

/// <summary>
/// This silo's container slots. Placement prefers the silo with the most free slots; this is what makes
/// "no silo takes more" hold even when two silos place runs on the same silo at the same moment.
/// </summary>
public sealed class ContainerSlots(IOptions<ContainerSlotOptions> options)
{
    private readonly SemaphoreSlim _free = new(Math.Max(1, options.Value.ContainerSlots), Math.Max(1, options.Value.ContainerSlots));
    private int _waiting;

    public int Capacity { get; } = Math.Max(1, options.Value.ContainerSlots);
    public int InUse => Capacity - _free.CurrentCount;
    public int Waiting => Volatile.Read(ref _waiting);
    /// <summary>What placement compares: free slots less the runs already waiting for one.</summary>
    public int Available => _free.CurrentCount - Waiting;

    /// <summary>Waits for a slot; dispose the lease to give it back.</summary>
    public async Task<IDisposable> AcquireAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        try { await _free.WaitAsync(cancellationToken); }
        finally { Interlocked.Decrement(ref _waiting); }
        return new Lease(_free);
    }

    private sealed class Lease(SemaphoreSlim free) : IDisposable
    {
        private int _released;
        public void Dispose() { if (Interlocked.Exchange(ref _released, 1) == 0) free.Release(); }
    }
}
