using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using ScanGate.Contracts;
using ScanGate.Runtime;

namespace ScanGate.Grains;

/// <summary>
/// At silo start and then periodically, removes this cluster's labelled scanner containers whose run is
/// terminal or unknown (left behind by a crash), so no container outlives its scan. Asking a run whether it
/// owns its container also activates a run whose silo was lost, which then reattaches to it.
/// </summary>
public sealed class OrphanContainerReaper(
    IContainerRuntime runtime,
    IGrainFactory grains,
    IOptions<ClusterOptions> cluster,
    IOptions<ScannerRunOptions> options,
    ILogger<OrphanContainerReaper> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(OrphanContainerReaper), ServiceLifecycleStage.Active, ct =>
        {
            // Not awaited: an unreachable engine must not hold up the silo's start.
            _ = Task.Run(ReapPeriodicallyAsync);
            return Task.CompletedTask;
        }, ct =>
        {
            _stopping.Cancel();
            return Task.CompletedTask;
        });

    private async Task ReapPeriodicallyAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.Value.ReapSeconds)));
        try
        {
            do await ReapAsync();
            while (await timer.WaitForNextTickAsync(_stopping.Token));
        }
        catch (OperationCanceledException) { }
    }

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
