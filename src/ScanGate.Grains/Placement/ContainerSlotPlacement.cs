using Microsoft.Extensions.Logging;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using Orleans.Runtime.Services;
using Orleans.Services;

namespace ScanGate.Grains.Placement;

/// <summary>Places a grain on the compatible silo with the most free container slots.</summary>
[GenerateSerializer, Alias("scangate.container-slot-placement.v1")]
public sealed class ContainerSlotPlacement : PlacementStrategy
{
    public static ContainerSlotPlacement Instance { get; } = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ContainerSlotPlacementAttribute() : PlacementAttribute(ContainerSlotPlacement.Instance);

/// <summary>Every silo answers how many container slots it has free.</summary>
[Alias("scangate.IContainerSlotService")]
public interface IContainerSlotService : IGrainService
{
    [Alias("report")] Task<SlotReport> Report();
}

[GenerateSerializer, Alias("scangate.slot-report.v1")]
public sealed record SlotReport([property: Id(0)] int Capacity, [property: Id(1)] int InUse, [property: Id(2)] int Available);

public sealed class ContainerSlotService(GrainId id, Orleans.Runtime.Silo silo, ILoggerFactory loggerFactory, ContainerSlots slots)
    : GrainService(id, silo, loggerFactory), IContainerSlotService
{
    public Task<SlotReport> Report() => Task.FromResult(new SlotReport(slots.Capacity, slots.InUse, slots.Available));
}

public interface IContainerSlotClient : IGrainServiceClient<IContainerSlotService>
{
    Task<SlotReport> ReportOf(SiloAddress silo);
}

public sealed class ContainerSlotClient(IServiceProvider services) : GrainServiceClient<IContainerSlotService>(services), IContainerSlotClient
{
    public Task<SlotReport> ReportOf(SiloAddress silo) => GetGrainService(silo).Report();
}

/// <summary>
/// Picks the silo with the most free container slots. Reports are cached for a moment and each placement
/// takes one slot off the cached figure, so a burst of runs spreads instead of landing on one silo.
/// </summary>
public sealed class ContainerSlotPlacementDirector(IContainerSlotClient slots, ILogger<ContainerSlotPlacementDirector> logger)
    : IPlacementDirector
{
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(2);
    private readonly Dictionary<SiloAddress, (int Available, DateTime At)> _known = new();
    private readonly object _gate = new();

    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length == 1) return silos[0];
        DateTime now = DateTime.UtcNow;
        SiloAddress[] stale;
        lock (_gate) stale = silos.Where(s => !_known.TryGetValue(s, out var k) || now - k.At > Freshness).ToArray();
        if (stale.Length > 0)
        {
            var answers = await Task.WhenAll(stale.Select(AskAsync));
            lock (_gate)
                foreach (var (silo, available) in answers)
                    _known[silo] = (available ?? int.MinValue / 2, DateTime.UtcNow);
        }
        lock (_gate)
        {
            var chosen = PickMostFree(silos.Select(s => (s, _known.TryGetValue(s, out var k) ? k.Available : 0)).ToList());
            var entry = _known.GetValueOrDefault(chosen);
            _known[chosen] = (entry.Available - 1, entry.At);
            return chosen;
        }
    }

    /// <summary>The silo with the most free slots; ties go to a random one of them.</summary>
    public static T PickMostFree<T>(IReadOnlyList<(T Silo, int Available)> candidates)
    {
        var best = candidates.Max(c => c.Available);
        var top = candidates.Where(c => c.Available == best).ToList();
        return top[Random.Shared.Next(top.Count)].Silo;
    }

    private async Task<(SiloAddress Silo, int? Available)> AskAsync(SiloAddress silo)
    {
        try
        {
            var report = await slots.ReportOf(silo).WaitAsync(AskTimeout);
            return (silo, report.Available);
        }
        catch (Exception ex)
        {
            // A silo that cannot answer is the last choice, not an error: it may be leaving the cluster.
            logger.LogDebug(ex, "Silo {Silo} did not report its container slots", silo);
            return (silo, null);
        }
    }
}
