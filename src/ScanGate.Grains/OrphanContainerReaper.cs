using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using ScanGate.Contracts;
using ScanGate.Runtime;

namespace ScanGate.Grains;

/// <summary>
/// At silo start, removes this cluster's labelled scanner containers whose run is terminal or unknown
/// (left behind by a crash), so no container outlives its scan.
/// </summary>
public sealed class OrphanContainerReaper(
    IContainerRuntime runtime,
    IGrainFactory grains,
    IOptions<ClusterOptions> cluster,
    ILogger<OrphanContainerReaper> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(OrphanContainerReaper), ServiceLifecycleStage.Active, ct =>
        {
            // Not awaited: an unreachable engine must not hold up the silo's start.
            _ = Task.Run(() => ReapAsync());
            return Task.CompletedTask;
        });

    public async Task<int> ReapAsync()
    {
        if (!await runtime.IsAvailableAsync()) return 0;
        var removed = 0;
        try
        {
            foreach (var c in await runtime.ListByLabelAsync(ContainerLabels.Cluster, cluster.Value.ClusterId))
            {
                var owned = c.Labels.TryGetValue(ContainerLabels.Run, out var runKey)
                    && await grains.GetGrain<IScannerRunGrain>(runKey).OwnsContainer(c.Id);
                if (owned) continue;
                await runtime.KillAsync(c.Id);
                await runtime.RemoveAsync(c.Id);
                removed++;
            }
            if (removed > 0) logger.LogInformation("Removed {Count} scanner containers left behind by runs that are over or unknown", removed);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not reap leftover scanner containers; they will be looked at on the next start");
        }
        return removed;
    }
}
