using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ScanGate.Silo;
using ScanGate.Storage.Postgres;

namespace ScanGate.Benchmarks;

/// <summary>A grain whose every call writes its state: the write's own latency, timed inside the grain.</summary>
[Alias("scangate.bench.IStateWriter")]
public interface IStateWriter : IGrainWithStringKey
{
    [Alias("write")] Task<double> WriteOnce(int size);
}

[GenerateSerializer, Alias("scangate.bench.writer-state")]
public sealed class WriterState
{
    [Id(0)] public int Writes { get; set; }
    [Id(1)] public string Payload { get; set; } = "";
}

public sealed class StateWriter([PersistentState("bench", "state")] IPersistentState<WriterState> store) : Grain, IStateWriter
{
    public async Task<double> WriteOnce(int size)
    {
        store.State.Writes++;
        store.State.Payload = new string('x', size);
        var sw = Stopwatch.StartNew();
        await store.WriteStateAsync();
        return sw.Elapsed.TotalMilliseconds;
    }
}

/// <summary>
/// Grain-state write latency on PostgreSQL through the Orleans ADO.NET provider and ScanGate's own
/// WriteToStorageKey query: many grains (so writes spread over rows), each write a version-checked update
/// of about the size of a scan grain's state.
/// </summary>
public static class StateWriteLatency
{
    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }

    public static async Task RunAsync(int writes)
    {
        await using var db = await BenchDatabase.CreateAsync();
        var cs = db.ConnectionString;
        {
            var builder = ScanGateHost.CreateBuilder([
                "--urls", $"http://127.0.0.1:{FreePort()}",
                "--ScanGate:Orleans:SiloPort", FreePort().ToString(), "--ScanGate:Orleans:GatewayPort", FreePort().ToString(),
                "--ScanGate:Orleans:ClusterId", "bench-" + Guid.NewGuid().ToString("N")[..6],
                "--ScanGate:Storage:Provider", "postgres", "--ConnectionStrings:Postgres", cs,
                "--Logging:LogLevel:Default", "Warning"]);
            await using var app = ScanGateHost.Build(builder);
            await app.StartAsync();
            var grains = app.Services.GetRequiredService<IGrainFactory>();
            const int grainCount = 200;
            const int stateSize = 2048;
            for (var g = 0; g < grainCount; g++) await grains.GetGrain<IStateWriter>($"w{g}", null).WriteOnce(stateSize); // first writes insert rows
            var latencies = new List<double>(writes);
            var wall = Stopwatch.StartNew();
            // Eight callers at once, as several scans reporting progress would.
            await Parallel.ForAsync(0, writes, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            {
                var ms = await grains.GetGrain<IStateWriter>($"w{i % grainCount}", null).WriteOnce(stateSize);
                lock (latencies) latencies.Add(ms);
            });
            wall.Stop();
            latencies.Sort();
            double P(double p) => latencies[(int)Math.Min(latencies.Count - 1, Math.Round(p * (latencies.Count - 1)))];
            Console.WriteLine($"grain-state writes on PostgreSQL: {writes} version-checked writes of ~{stateSize} B over {grainCount} grains, 8 callers");
            Console.WriteLine($"  p50 {P(0.50):F2} ms, p99 {P(0.99):F2} ms, max {latencies[^1]:F2} ms, {writes / wall.Elapsed.TotalSeconds:F0} writes/s");
            await app.StopAsync();
        }
    }
}
