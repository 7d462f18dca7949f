using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ScanGate.Contracts;
using ScanGate.Grains;
using ScanGate.Grains.Placement;
using ScanGate.Runtime;
using ScanGate.Tests.Infrastructure;
using Op = ScanGate.Tests.Infrastructure.FakeContainerRuntime;

namespace ScanGate.Tests.Engine;

/// <summary>
/// 1,000 pause/resume/stop/cancel commands, drawn from a seeded random source and sent at random moments to 50
/// runs in flight at once (each engine operation of the fake takes a random few milliseconds), on a real
/// in-process cluster. Whatever the interleaving, every run ends as its last effective command says, its
/// container is frozen exactly while the run reads paused, each of create, start, kill and remove reaches the
/// engine at most once per container, pauses and thaws alternate, and no state write is ever refused.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RunCommandPropertyTests : IAsyncLifetime
{
    private const int Seed = 20261130;
    private const int Runs = 50;
    private const int CommandsPerRun = 20;
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(60);

    private readonly FakeContainerRuntime _engine = new();
    private ConflictCheckingGrainStorage _storage = null!;
    private ScanCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var latency = new Random(Seed);
        _engine.Latency = _ => { lock (latency) return TimeSpan.FromMilliseconds(latency.Next(0, 4)); };
        // No run waits for a container slot here.
        (_cluster, _storage) = await FakeEngineCluster.StartAsync(_engine, services => services.PostConfigure<ContainerSlotOptions>(o => o.ContainerSlots = Runs));
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private enum Command { Pause, Resume, Stop, Cancel }

    /// <summary>What the commands sent so far should leave: the first halt wins; pause and resume count until then.</summary>
    private sealed class Model
    {
        public bool Paused { get; private set; }
        public HaltKind Halt { get; private set; }
        public List<Command> Sent { get; } = [];

        public void Apply(Command command)
        {
            Sent.Add(command);
            if (Halt != HaltKind.None) return;
            switch (command)
            {
                case Command.Pause: Paused = true; break;
                case Command.Resume: Paused = false; break;
                case Command.Stop: Halt = HaltKind.Stop; Paused = false; break;
                case Command.Cancel: Halt = HaltKind.Cancel; Paused = false; break;
            }
        }

        public RunStatus ExpectedEnd => Halt switch
        {
            HaltKind.Stop => RunStatus.Stopped, HaltKind.Cancel => RunStatus.Cancelled, _ => RunStatus.Completed,
        };
    }

    private static Command Draw(Random random) => random.Next(100) switch
    {
        < 45 => Command.Pause,
        < 90 => Command.Resume,
        < 95 => Command.Stop,
        _ => Command.Cancel,
    };

    private static Task Send(IScannerRunGrain run, Command command) => command switch
    {
        Command.Pause => run.Pause(),
        Command.Resume => run.Resume(),
        Command.Stop => run.Halt(keepFindings: true),
        _ => run.Halt(keepFindings: false),
    };

    private sealed record Subject(RunSpec Spec, IScannerRunGrain Grain, Model Model, Random Random)
    {
        public string RunKey => IScannerRunGrain.KeyOf(Spec.ScanId, Spec.Scanner);
    }

    private FakeContainer? ContainerOf(Subject s) =>
        _engine.Containers.SingleOrDefault(c => c.Spec.Labels.TryGetValue(ContainerLabels.Run, out var run) && run == s.RunKey);

    [Fact]
    public async Task A_thousand_random_commands_leave_every_run_consistent()
    {
        var subjects = Enumerable.Range(0, Runs).Select(i =>
        {
            var spec = new RunSpec
            {
                ScanId = $"scn_prop_{i:D3}_{Guid.NewGuid():N}"[..24], Scanner = "nmap", Target = "127.0.0.1:9", Profile = "port_scan",
                OrgId = ScanCluster.OrgId,
            };
            return new Subject(spec, _cluster.Client.GetGrain<IScannerRunGrain>(IScannerRunGrain.KeyOf(spec.ScanId, spec.Scanner)), new Model(), new Random(Seed + i));
        }).ToList();

        // Each run starts and takes its commands at random moments: before its container exists, while it is
        // created, while it runs.
        await Task.WhenAll(subjects.Select(async s =>
        {
            await s.Grain.Start(s.Spec);
            for (var i = 0; i < CommandsPerRun; i++)
            {
                var wait = s.Random.Next(0, 12);
                if (wait > 0) await Task.Delay(wait);
                var command = Draw(s.Random);
                s.Model.Apply(command);
                await Send(s.Grain, command);
            }
        }));
        Assert.Equal(1_000, subjects.Sum(s => s.Model.Sent.Count));

        // At rest, a run that was not halted is in its container, frozen exactly when it reads paused.
        foreach (var s in subjects.Where(s => s.Model.Halt == HaltKind.None))
        {
            var expected = s.Model.Paused ? RunStatus.Paused : RunStatus.Running;
            await Eventually.UntilAsync(async () =>
                    await s.Grain.Get() is { Phase: RunPhase.Running } state && state.Status == expected
                    && ContainerOf(s) is { Started: true } c && c.Paused == s.Model.Paused,
                Soon, $"run {s.RunKey} at rest as {expected} ({Describe(s)})");
        }

        // Then every container that still runs ends on its own (a frozen one once resumed).
        foreach (var s in subjects.Where(s => s.Model.Halt == HaltKind.None))
        {
            if (s.Model.Paused) { s.Model.Apply(Command.Resume); await s.Grain.Resume(); }
            ContainerOf(s)!.Exit(0);
        }
        foreach (var s in subjects)
        {
            var end = await Eventually.ValueAsync(s.Grain.Get, st => st is not null && st.Status.IsTerminal(), Soon, $"the end of {s.RunKey}");
            Assert.True(end!.Status == s.Model.ExpectedEnd, $"run {s.RunKey} ended {end.Status}, expected {s.Model.ExpectedEnd} ({Describe(s)})");
        }

        foreach (var s in subjects)
        {
            if (ContainerOf(s) is not { } c) continue; // halted before its container was created
            var ops = _engine.Operations.Where(o => o.ContainerId == c.Id).Select(o => o.Kind).ToList();
            foreach (var once in new[] { Op.Create, Op.Start, Op.Kill, Op.Remove })
                Assert.True(ops.Count(k => k == once) <= 1, $"{once} reached the engine {ops.Count(k => k == once)} times for {s.RunKey}: {string.Join(",", ops)}");
            Assert.Equal(1, ops.Count(k => k == Op.Remove));
            var freezes = ops.Where(k => k is Op.Pause or Op.Unpause).ToList();
            for (var i = 0; i < freezes.Count; i++)
                Assert.True(freezes[i] == (i % 2 == 0 ? Op.Pause : Op.Unpause), $"pauses and thaws do not alternate for {s.RunKey}: {string.Join(",", freezes)}");
            Assert.False(c.Paused, $"{s.RunKey}'s container is left frozen");
        }
        Assert.Equal(0, _storage.Conflicts);

        // The draw exercised what it is meant to: every kind of end, and freezes that reached the engine.
        Assert.All(new[] { RunStatus.Completed, RunStatus.Stopped, RunStatus.Cancelled }, status => Assert.Contains(subjects, s => s.Model.ExpectedEnd == status));
        Assert.True(_engine.Count(Op.Pause) >= Runs / 2, $"only {_engine.Count(Op.Pause)} pauses reached the engine");
    }

    private string Describe(Subject s) =>
        $"seed {Seed}, commands {string.Join(",", s.Model.Sent)}, engine {JsonSerializer.Serialize(ContainerOf(s) is { } c ? _engine.Operations.Where(o => o.ContainerId == c.Id).Select(o => o.Kind) : [])}";
}
