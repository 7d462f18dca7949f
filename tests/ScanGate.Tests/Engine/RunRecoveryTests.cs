using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using ScanGate.Contracts;
using ScanGate.Grains;
using ScanGate.Runtime;
using ScanGate.Scanners.Adapters;
using ScanGate.Storage;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Engine;

/// <summary>
/// A run whose activation was lost mid-scan (its silo died) is found in storage the way a dead silo leaves it,
/// then activated on a live silo: it reattaches to its container when this engine still has it, and otherwise
/// runs again, a bounded number of times. The process-level cluster test does the same with kill -9.
/// </summary>
public sealed class RunRecoveryTests : IAsyncLifetime
{
    private ScanCluster _cluster = null!;
    private TcpListener _open = null!;
    private int _openPort;

    public async Task InitializeAsync()
    {
        _cluster = await ScanCluster.StartAsync(o => o.MaxReruns = 1);
        _open = new TcpListener(IPAddress.Loopback, 0);
        _open.Start();
        _openPort = ((IPEndPoint)_open.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        _open.Stop();
        await _cluster.DisposeAsync();
    }

    private IContainerRuntime Runtime => _cluster.SiloServices.GetRequiredService<IContainerRuntime>();

    private RunSpec Spec() => new()
    {
        ScanId = "scn_recovery_" + Guid.NewGuid().ToString("N")[..12], Scanner = "nmap", Target = $"127.0.0.1:{_openPort}",
        Profile = "port_scan", OrgId = ScanCluster.OrgId,
    };

    /// <summary>Writes the state a run leaves behind when its silo dies while its container runs.</summary>
    private async Task<IScannerRunGrain> LeaveLostRunAsync(RunSpec spec, string containerId, string engineId, int reruns = 0)
    {
        var run = _cluster.Client.GetGrain<IScannerRunGrain>($"{spec.ScanId}/{spec.Scanner}");
        var storage = _cluster.SiloServices.GetRequiredKeyedService<IGrainStorage>("state");
        var state = new RunState
        {
            Spec = spec, Status = RunStatus.Running, Phase = RunPhase.Running, ContainerId = containerId, EngineId = engineId,
            StartedAt = DateTimeOffset.UtcNow.AddSeconds(-1), Reruns = reruns,
        };
        await storage.WriteStateAsync("run", run.GetGrainId(), new GrainState<RunState>(state));
        return run;
    }

    private static async Task<ScannerState> WaitForEndAsync(IScannerRunGrain run) =>
        // The end is phase done: a terminal status shows a moment before the counts are taken from the store.
        (await Eventually.ValueAsync(run.Get, s => s is not null && s.Status.IsTerminal() && s.Phase == RunPhase.Done, TimeSpan.FromMinutes(2), "the recovered run's end",
            poll: TimeSpan.FromMilliseconds(250)))!;

    [Fact]
    public async Task A_lost_run_reattaches_to_the_container_its_engine_still_runs_and_stores_its_findings()
    {
        var spec = Spec();
        var plan = new NmapAdapter().Plan(spec);
        var containerId = await Runtime.CreateAsync(new ContainerSpec
        {
            Image = "scangate/nmap:latest", Arguments = plan.Arguments, NetworkMode = "host", OutputDirectory = "/out",
            VolumePaths = plan.WorkPaths, Labels = new Dictionary<string, string> { [ContainerLabels.Scan] = spec.ScanId },
        }, CancellationToken.None);
        await Proc.RunCheckedAsync("docker", "start", containerId); // started by the silo that then died
        var run = await LeaveLostRunAsync(spec, containerId, await Runtime.GetEngineIdAsync());

        var end = await WaitForEndAsync(run);

        Assert.Equal(RunStatus.Completed, end.Status);
        Assert.Equal(0, end.Reruns); // reattached, not run again
        var findings = await _cluster.SiloServices.GetRequiredService<IFindingStore>().ListAsync(spec.ScanId, new FindingQuery { Limit = 100 });
        Assert.Contains(findings.Items, f => f.Location.Port == _openPort);
        Assert.Equal(1, end.Counts.Total);
        Assert.Empty(await DockerCli.ContainersWithLabelAsync(ContainerLabels.Scan, spec.ScanId)); // removed once read
    }

    [Fact]
    public async Task A_lost_run_whose_container_is_out_of_reach_runs_again_and_says_so()
    {
        var spec = Spec();
        var run = await LeaveLostRunAsync(spec, containerId: "0123456789ab", engineId: "an-engine-on-a-host-that-died");

        var end = await WaitForEndAsync(run);

        Assert.Equal(RunStatus.Completed, end.Status);
        Assert.Equal(1, end.Reruns);
        var findings = await _cluster.SiloServices.GetRequiredService<IFindingStore>().ListAsync(spec.ScanId, new FindingQuery { Limit = 100 });
        Assert.Single(findings.Items, f => f.Location.Port == _openPort);
    }

    [Fact]
    public async Task A_run_lost_more_often_than_the_configured_reruns_fails_with_the_reason()
    {
        var spec = Spec();
        var run = await LeaveLostRunAsync(spec, containerId: "0123456789ab", engineId: "an-engine-on-a-host-that-died", reruns: 1);

        var end = await WaitForEndAsync(run);

        Assert.Equal(RunStatus.Failed, end.Status);
        Assert.Contains("gave up after 1 reruns", end.Error);
        Assert.Empty(await DockerCli.ContainersWithLabelAsync(ContainerLabels.Scan, spec.ScanId)); // nothing was started
    }
}

public sealed class ContainerSlotPlacementTests
{
    [Fact]
    public void Placement_picks_the_silo_with_the_most_free_slots()
    {
        var chosen = ScanGate.Grains.Placement.ContainerSlotPlacementDirector.PickMostFree<string>([("a", 1), ("b", 3), ("c", -2)]);
        Assert.Equal("b", chosen);
    }

    [Fact]
    public void Placement_spreads_ties_between_the_silos_that_have_them()
    {
        var seen = Enumerable.Range(0, 200)
            .Select(_ => ScanGate.Grains.Placement.ContainerSlotPlacementDirector.PickMostFree<string>([("a", 2), ("b", 2), ("c", 0)]))
            .ToHashSet();
        Assert.Equal(["a", "b"], seen.Order());
    }

    [Fact]
    public async Task A_silo_never_hands_out_more_slots_than_it_has()
    {
        var slots = new ScanGate.Grains.Placement.ContainerSlots(Microsoft.Extensions.Options.Options.Create(new ScanGate.Grains.Placement.ContainerSlotOptions { ContainerSlots = 2 }));
        var first = await slots.AcquireAsync(CancellationToken.None);
        using var second = await slots.AcquireAsync(CancellationToken.None);
        var third = slots.AcquireAsync(CancellationToken.None);
        await Task.Delay(100);
        Assert.False(third.IsCompleted);
        Assert.Equal(-1, slots.Available); // placement sees the waiting run
        first.Dispose();
        using var granted = await third.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2, slots.InUse);
    }
}
