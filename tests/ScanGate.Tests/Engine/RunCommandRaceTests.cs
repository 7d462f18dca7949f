using Microsoft.Extensions.DependencyInjection;
using ScanGate.Contracts;
using ScanGate.Runtime;
using ScanGate.Tests.Infrastructure;
using Op = ScanGate.Tests.Infrastructure.FakeContainerRuntime;

namespace ScanGate.Tests.Engine;

/// <summary>
/// Commands (pause, resume, stop, cancel) arriving while a run's supervisor works, on a real in-process
/// Orleans cluster whose container engine is the in-memory fake (operations can be held and interleaved) and
/// whose grain storage checks ETags as a database does. Needs neither Docker nor PostgreSQL.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RunCommandRaceTests : IAsyncLifetime
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(20);
    private readonly FakeContainerRuntime _engine = new();
    private ConflictCheckingGrainStorage _storage = null!;
    private ScanCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        (_cluster, _storage) = await FakeEngineCluster.StartAsync(_engine);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static RunSpec Spec() => new()
    {
        ScanId = "scn_race_" + Guid.NewGuid().ToString("N")[..12], Scanner = "nmap", Target = "127.0.0.1:9", Profile = "port_scan",
        OrgId = ScanCluster.OrgId,
    };

    private IScannerRunGrain Run(RunSpec spec) => _cluster.Client.GetGrain<IScannerRunGrain>(IScannerRunGrain.KeyOf(spec.ScanId, spec.Scanner));

    private static Task<ScannerState?> WaitForAsync(IScannerRunGrain run, Func<ScannerState, bool> condition, string what) =>
        Eventually.ValueAsync(run.Get, s => s is not null && condition(s), Soon, what);

    private async Task<FakeContainer> RunningContainerAsync(IScannerRunGrain run)
    {
        await WaitForAsync(run, s => s.Phase == RunPhase.Running, "the run in its running phase");
        return await Eventually.ValueAsync(() => Task.FromResult(_engine.Containers.SingleOrDefault(c => c.Started)), c => c is not null, Soon,
            "a started container") ?? throw new InvalidOperationException();
    }

    [Fact]
    public async Task A_pause_reaches_the_engine_once_even_while_the_supervisor_is_busy()
    {
        var spec = Spec();
        var run = Run(spec);
        await run.Start(spec);
        var container = await RunningContainerAsync(run);

        var pauses = _engine.Hold(Op.Pause);
        var pause = run.Pause();
        await Eventually.UntilAsync(() => pauses.Waiting >= 1, Soon, "a pause sent to the engine");
        // Give a second pause every chance to be sent while the first is in flight (the supervisor loop ticks
        // every half second): this window watches for something that must not happen, it waits for nothing.
        await Eventually.HappensWithinAsync(() => pauses.Waiting >= 2, TimeSpan.FromSeconds(2));
        pauses.Open();
        await pause;

        await WaitForAsync(run, s => s.Status == RunStatus.Paused, "the run paused");
        Assert.True(container.Paused);
        Assert.Equal(1, _engine.Count(Op.Pause, container.Id));

        await run.Resume();
        await Eventually.UntilAsync(() => !container.Paused, Soon, "the container thawed");
        container.Exit(0);
        var end = await WaitForAsync(run, s => s.Status.IsTerminal(), "the run's end");
        Assert.Equal(RunStatus.Completed, end!.Status);
        Assert.Equal(1, _engine.Count(Op.Unpause, container.Id));
        Assert.Equal(0, _storage.Conflicts);
    }

    /// <summary>Before the fix the command wrote the run's state itself, while the supervisor's write was in
    /// flight: with both sent on the same ETag one is refused (InconsistentStateException, which the supervisor
    /// took for another activation and stepped aside), or, where Orleans queues the second behind the first,
    /// the command waits on the supervisor's database write. Either way this test fails.</summary>
    [Fact]
    public async Task A_command_never_writes_the_runs_state_under_the_supervisors_write()
    {
        var spec = Spec();
        var run = Run(spec);
        var creates = _engine.Hold(Op.Create);
        _engine.OnCreate = c => c.ExitOnStart = 0;
        await run.Start(spec);
        await Eventually.UntilAsync(() => creates.Waiting == 1, Soon, "the container being created");

        // The supervisor's write of the new container id is held in the database while a pause comes in.
        var held = _storage.HoldNextWrite("run");
        creates.Open();
        await Eventually.UntilAsync(() => held.Gate.Waiting == 1, Soon, "the supervisor's write in flight");
        await run.Pause().WaitAsync(TimeSpan.FromSeconds(10)); // answers without a write of its own
        held.Gate.Open();
        await held.Done;

        Assert.Equal(0, _storage.Conflicts);
        var end = await WaitForAsync(run, s => s.Status.IsTerminal(), "the run's end");
        Assert.Equal(RunStatus.Completed, end!.Status);
        Assert.Equal(1, _engine.Count(Op.Create));
        Assert.Equal(1, _engine.Count(Op.Start));
        Assert.Equal(1, _engine.Count(Op.Remove));
        Assert.Equal(0, _storage.Conflicts);
    }
}
