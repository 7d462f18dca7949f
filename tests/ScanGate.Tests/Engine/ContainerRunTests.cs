using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using ScanGate.Contracts;
using ScanGate.Grains;
using ScanGate.Runtime;
using ScanGate.Tests.Infrastructure;
using Op = ScanGate.Tests.Infrastructure.FakeContainerRuntime;

namespace ScanGate.Tests.Engine;

/// <summary>The container steps of a run (<see cref="ContainerRun"/>) against the in-memory engine, with a
/// fake clock for the timeout: no Orleans, no Docker.</summary>
[Trait("Category", "Unit")]
public sealed class ContainerRunTests
{
    private const string ReportPath = "/out/report.json";
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);
    private static readonly ContainerSpec Spec = new() { Image = "scangate/test:latest", Arguments = ["--scan"] };

    private readonly FakeContainerRuntime _engine = new();
    private readonly RunCommands _commands = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
    private readonly RecordingSink _sink;

    public ContainerRunTests() => _sink = new RecordingSink(_engine);

    private ContainerRun NewRun(TimeSpan? timeout = null) => new(_engine, _commands, _sink, timeout ?? TimeSpan.FromMinutes(30), _clock);

    private async Task<FakeContainer> StartedContainerAsync()
    {
        await Eventually.UntilAsync(() => _engine.Containers.Any(c => c.Started) && _sink.Saw("phase:Running"), Soon, "a started container");
        return _engine.Containers.Single();
    }

    private static async Task<string?> ReadAsync(Stream? report)
    {
        if (report is null) return null;
        await using (report) return await new StreamReader(report).ReadToEndAsync();
    }

    [Fact]
    public async Task A_run_pulls_creates_stores_the_id_starts_waits_and_reads_the_report_in_that_order()
    {
        _engine.OnCreate = c => { c.WriteFile(ReportPath, "{\"ok\":true}"); c.ExitOnStart = 3; };
        var run = NewRun();

        var end = await run.RunAsync(Spec, ReportPath);
        await run.RemoveAsync();
        await run.RemoveAsync();

        Assert.Equal(3, end.ExitCode);
        Assert.Null(end.TimedOutAfter);
        Assert.Equal("{\"ok\":true}", await ReadAsync(end.Report));
        var id = Assert.Single(_engine.Containers).Id;
        Assert.Equal([Op.Pull, Op.Create, Op.Start, Op.Wait, Op.ReadFile, Op.Remove],
            _engine.Operations.Select(o => o.Kind).Where(k => k != Op.Inspect));
        Assert.Equal(["phase:Pulling", "phase:Starting", $"created:{id} (started: False)", "phase:Running", "phase:Parsing"],
            _sink.Events.Where(e => e.StartsWith("phase:", StringComparison.Ordinal) || e.StartsWith("created:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_timeout_counts_running_time_only_and_kills_the_container_once()
    {
        var run = NewRun(timeout: TimeSpan.FromSeconds(10));
        var ending = run.RunAsync(Spec, ReportPath);
        var container = await StartedContainerAsync();

        _commands.Pause();
        await Eventually.UntilAsync(() => container.Paused, Soon, "the container frozen");
        var ticks = _sink.Ticks;
        _clock.Advance(TimeSpan.FromMinutes(5)); // frozen for five minutes: not running time
        await Eventually.UntilAsync(() => _sink.Ticks > ticks, Soon, "a beat of the follow loop after the clock moved");
        Assert.Equal(0, _engine.Count(Op.Kill));
        Assert.True(run.RunningTime() < TimeSpan.FromSeconds(10), $"running time {run.RunningTime()}");

        _commands.Resume();
        await Eventually.UntilAsync(() => !container.Paused, Soon, "the container thawed");
        _clock.Advance(TimeSpan.FromSeconds(11));
        var end = await ending.WaitAsync(Soon);

        Assert.Equal(TimeSpan.FromSeconds(10), end.TimedOutAfter);
        Assert.Equal(137, end.ExitCode);
        Assert.Equal(1, _engine.Count(Op.Kill));
        Assert.Equal([Op.Pause, Op.Unpause], _engine.Operations.Select(o => o.Kind).Where(k => k is Op.Pause or Op.Unpause));
        Assert.Equal(["paused:True", "paused:False"], _sink.Events.Where(e => e.StartsWith("paused:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_stop_of_a_frozen_container_thaws_it_kills_it_once_and_keeps_its_report()
    {
        _engine.OnCreate = c => c.WriteFile(ReportPath, "partial");
        var run = NewRun();
        var ending = run.RunAsync(Spec, ReportPath);
        var container = await StartedContainerAsync();
        _commands.Pause();
        await Eventually.UntilAsync(() => container.Paused, Soon, "the container frozen");

        Assert.True(_commands.RequestHalt(HaltKind.Stop));
        Assert.False(_commands.RequestHalt(HaltKind.Cancel)); // the first halt wins
        Assert.False(_commands.Resume());
        var end = await ending.WaitAsync(Soon);

        Assert.Equal("partial", await ReadAsync(end.Report));
        Assert.Equal(137, end.ExitCode);
        Assert.Equal([Op.Pause, Op.Unpause, Op.Kill],
            _engine.Operations.Select(o => o.Kind).Where(k => k is Op.Pause or Op.Unpause or Op.Kill));
        Assert.Contains("halting:Stop (kills so far: 0)", _sink.Events); // stored before the kill
    }

    [Fact]
    public async Task A_cancel_kills_the_container_and_does_not_read_its_report()
    {
        _engine.OnCreate = c => c.WriteFile(ReportPath, "partial");
        var run = NewRun();
        var ending = run.RunAsync(Spec, ReportPath);
        await StartedContainerAsync();

        _commands.RequestHalt(HaltKind.Cancel);
        var end = await ending.WaitAsync(Soon);
        await run.RemoveAsync();

        Assert.Null(end.Report);
        Assert.Equal(1, _engine.Count(Op.Kill));
        Assert.Equal(0, _engine.Count(Op.ReadFile));
        Assert.Equal(1, _engine.Count(Op.Remove));
    }

    [Fact]
    public async Task A_halt_during_the_pull_creates_no_container()
    {
        var pulls = _engine.Hold(Op.Pull);
        var ending = NewRun().RunAsync(Spec, ReportPath);
        await Eventually.UntilAsync(() => pulls.Waiting == 1, Soon, "the pull under way");

        _commands.RequestHalt(HaltKind.Stop);
        pulls.Open();
        var end = await ending.WaitAsync(Soon);

        Assert.Null(end.ExitCode);
        Assert.Empty(_engine.Containers);
        Assert.Equal(0, _engine.Count(Op.Create));
    }

    [Fact]
    public async Task A_halt_while_the_container_is_created_leaves_it_unstarted_and_it_is_removed_once()
    {
        var creates = _engine.Hold(Op.Create);
        var run = NewRun();
        var ending = run.RunAsync(Spec, ReportPath);
        await Eventually.UntilAsync(() => creates.Waiting == 1, Soon, "the container being created");

        _commands.RequestHalt(HaltKind.Cancel);
        creates.Open();
        var end = await ending.WaitAsync(Soon);
        await run.RemoveAsync();

        Assert.Null(end.ExitCode);
        var container = Assert.Single(_engine.Containers);
        Assert.False(container.Started);
        Assert.True(_sink.Saw($"created:{container.Id} (started: False)")); // stored, so a lost run finds it
        Assert.Equal(0, _engine.Count(Op.Start));
        Assert.Equal(0, _engine.Count(Op.Kill));
        Assert.Equal(1, _engine.Count(Op.Remove));
    }

    [Fact]
    public async Task A_halt_that_comes_while_the_start_is_on_its_way_kills_the_container_once_it_has_started()
    {
        // Found by the property test: a kill sent before the start lands is taken as done (nothing runs), and
        // the start then ran the container to its end.
        var starts = _engine.Hold(Op.Start);
        var ending = NewRun().RunAsync(Spec, ReportPath);
        await Eventually.UntilAsync(() => starts.Waiting == 1 && _sink.Saw("phase:Running"), Soon, "the start on its way");

        _commands.RequestHalt(HaltKind.Stop);
        await Eventually.UntilAsync(() => _sink.Events.Any(e => e.StartsWith("halting:", StringComparison.Ordinal)), Soon, "the halt stored");
        Assert.Equal(0, _engine.Count(Op.Kill)); // not yet: nothing runs to be killed
        starts.Open();
        var container = await Eventually.ValueAsync(() => Task.FromResult(_engine.Containers.Single()), c => c.Started, Soon, "the container started");
        _clock.Advance(TimeSpan.FromSeconds(1)); // the next beat of the follow loop
        var end = await ending.WaitAsync(Soon);

        Assert.Equal(137, end.ExitCode);
        Assert.Equal(1, _engine.Count(Op.Kill));
        Assert.True(container.HasExited);
    }

    [Fact]
    public async Task A_pause_the_engine_refuses_ends_the_run_with_the_engines_error_and_the_container_is_still_removable()
    {
        var run = NewRun();
        var ending = run.RunAsync(Spec, ReportPath);
        await StartedContainerAsync();

        _engine.FailNext(Op.Pause, () => new InvalidOperationException("the engine refused the pause"));
        _commands.Pause();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ending.WaitAsync(Soon));
        await run.RemoveAsync();

        Assert.Equal("the engine refused the pause", error.Message);
        Assert.Equal(0, _engine.Count(Op.Pause));
        Assert.Equal(1, _engine.Count(Op.Remove));
    }

    [Fact]
    public async Task A_reattached_run_follows_without_starting_and_thaws_a_container_left_frozen()
    {
        // What a silo that died left on this engine: a started container it had frozen.
        var id = await _engine.CreateAsync(Spec, CancellationToken.None);
        _ = _engine.StartAndFollowAsync(id, _ => ValueTask.CompletedTask, CancellationToken.None);
        await Eventually.UntilAsync(() => _engine.Container(id).Started, Soon, "the left container started");
        await _engine.PauseAsync(id);

        // The run recovered on a live silo, not paused, finds the container and follows it.
        var run = NewRun();
        Assert.False(await run.CanReachAsync("an-engine-on-a-host-that-died", id));
        Assert.True(await run.CanReachAsync(_engine.EngineId, id));
        var ending = run.ReattachAsync(_clock.GetUtcNow(), ReportPath);
        await Eventually.UntilAsync(() => !_engine.Container(id).Paused, Soon, "the container thawed by the new supervisor");
        _engine.Container(id).Exit(0);
        var end = await ending.WaitAsync(Soon);

        Assert.Equal(0, end.ExitCode);
        Assert.Equal(1, _engine.Count(Op.Start));
        Assert.Equal(1, _engine.Count(Op.Follow));
        Assert.Equal(1, _engine.Count(Op.Unpause));
        Assert.Equal(["phase:Running", "paused:True", "paused:False", "phase:Parsing"], _sink.Events);
    }
}

/// <summary>Records what a container run tells its supervisor.</summary>
internal sealed class RecordingSink(FakeContainerRuntime engine) : IContainerRunSink
{
    private int _ticks;
    public ConcurrentQueue<string> Events { get; } = new();
    public ConcurrentQueue<string> Lines { get; } = new();
    public int Ticks => Volatile.Read(ref _ticks);
    public bool Saw(string e) => Events.Contains(e);

    public Task PhaseAsync(RunPhase phase, string? message) { Events.Enqueue($"phase:{phase}"); return Task.CompletedTask; }
    public Task CreatedAsync(string engineId, string containerId)
    {
        Events.Enqueue($"created:{containerId} (started: {engine.Container(containerId).Started})");
        return Task.CompletedTask;
    }
    public Task PausedAsync(bool paused) { Events.Enqueue($"paused:{paused}"); return Task.CompletedTask; }
    public Task HaltingAsync(HaltKind halt)
    {
        Events.Enqueue($"halting:{halt} (kills so far: {engine.Count(FakeContainerRuntime.Kill)})");
        return Task.CompletedTask;
    }
    public void Line(string line) => Lines.Enqueue(line);
    public Task TickAsync() { Interlocked.Increment(ref _ticks); return Task.CompletedTask; }
}
