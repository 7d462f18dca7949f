using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ScanGate.Benchmarks;
using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;
using ScanGate.Silo;

// Benchmarks, each printing its figure:
//   overhead [pairs]   orchestration overhead against a bare `docker run` (needs the Docker engine)
//   auth [seconds]     authenticated GET /api/v1/scans/{id} against GET /healthz, load from wrk
//   state [writes]     grain-state write latency on PostgreSQL (SCANGATE_BENCH_POSTGRES names the server)
//   cluster [scans] [in-flight]  scans per second through three silo processes and an API process on PostgreSQL
//   parse [megabytes]  report parsing throughput (trivy JSON, nuclei JSONL, SARIF) and the memory a 50 MB report holds
//   web [runs]         wall time of web_vulnerability and lightweight_comprehensive against the loopback test site
//   fanout [clients] [scans] [rounds]  SSE clients on one node: event-to-client delay, memory per idle client, subscriptions
//   finishing [findings]  status reads of a scan's grain while it finishes a verdict over that many findings
var mode = args.Length > 0 ? args[0] : "overhead";
if (mode == "web")
{
    await WebScanWallTime.RunAsync(args.Length > 1 && int.TryParse(args[1], out var webRuns) ? webRuns : 3);
    return;
}
if (mode == "finishing")
{
    await FinishingReads.RunAsync(args.Length > 1 && int.TryParse(args[1], out var count) ? count : 50_000);
    return;
}
if (mode == "fanout")
{
    await SseFanOut.RunAsync(args.Length > 1 && int.TryParse(args[1], out var clients) ? clients : 2000,
        args.Length > 2 && int.TryParse(args[2], out var scans) ? scans : 20, args.Length > 3 && int.TryParse(args[3], out var rounds) ? rounds : 5);
    return;
}
if (mode == "parse")
{
    await ParseThroughput.RunAsync(args.Length > 1 && int.TryParse(args[1], out var mb) ? mb : 50);
    return;
}
if (mode == "cluster")
{
    await ClusterThroughput.RunAsync(args.Length > 1 && int.TryParse(args[1], out var scans) ? scans : 200,
        args.Length > 2 && int.TryParse(args[2], out var inFlight) ? inFlight : 24);
    return;
}
if (mode == "state")
{
    await StateWriteLatency.RunAsync(args.Length > 1 && int.TryParse(args[1], out var writes) ? writes : 2000);
    return;
}
if (mode == "auth")
{
    await AuthThroughput.RunAsync(args.Length > 1 && int.TryParse(args[1], out var secs) ? secs : 15);
    return;
}
var runs = args.Length > 1 && int.TryParse(args[1], out var n) ? n : 25;
const int warmup = 3;

var (host, baseUrl, adminKey) = EmbeddedHost.Create();
host.Services.AddSingleton<IScannerAdapter, NoopScanner>();
host.Services.AddSingleton(NoopScanner.Type);
await using var app = ScanGateHost.Build(host);
await app.StartAsync();
using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
http.DefaultRequestHeaders.Add("X-API-Key", adminKey);

var scanTimes = new List<double>();
var bareTimes = new List<double>();
for (var i = 0; i < warmup + runs; i++)
{
    var bare = await TimeBareDockerRun();
    var scan = await TimeScan(http);
    if (i < warmup) continue;
    bareTimes.Add(bare);
    scanTimes.Add(scan);
}

var ratios = scanTimes.Zip(bareTimes, (s, b) => s / b).ToList();
Console.WriteLine($"orchestration overhead over {runs} pairs (after {warmup} warm-up pairs)");
Console.WriteLine($"  scan via ScanGate (POST to final SSE event): median {Median(scanTimes):F0} ms, p90 {Percentile(scanTimes, 0.9):F0} ms");
Console.WriteLine($"  bare docker run --rm {NoopScanner.Image} true: median {Median(bareTimes):F0} ms, p90 {Percentile(bareTimes, 0.9):F0} ms");
Console.WriteLine($"  median of pair ratios (scan / bare): {Median(ratios):F2} (target: at most 1.20)");
await app.StopAsync();

static async Task<double> TimeBareDockerRun()
{
    var sw = Stopwatch.StartNew();
    var psi = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in new[] { "run", "--rm", "--network", "host", NoopScanner.Image, "true" }) psi.ArgumentList.Add(a);
    using var p = Process.Start(psi)!;
    await p.WaitForExitAsync();
    if (p.ExitCode != 0) throw new InvalidOperationException("docker run failed: " + await p.StandardError.ReadToEndAsync());
    return sw.Elapsed.TotalMilliseconds;
}

static async Task<double> TimeScan(HttpClient http)
{
    var sw = Stopwatch.StartNew();
    using var created = await http.PostAsync("/api/v1/scans",
        new StringContent($$"""{"scan_type":"{{NoopScanner.ScanType}}","target":"127.0.0.1"}""", Encoding.UTF8, "application/json"));
    created.EnsureSuccessStatusCode();
    var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
    using var events = await http.GetAsync($"/api/v1/scans/{id}/events", HttpCompletionOption.ResponseHeadersRead);
    using var reader = new StreamReader(await events.Content.ReadAsStreamAsync());
    while (await reader.ReadLineAsync() is { } line)
    {
        if (line == "event: finished")
        {
            var elapsed = sw.Elapsed.TotalMilliseconds;
            var data = await reader.ReadLineAsync();
            if (data is null || !data.Contains("\"status\":\"completed\"")) throw new InvalidOperationException($"scan {id} did not complete: {data}");
            return elapsed;
        }
    }
    throw new InvalidOperationException($"scan {id}: the event stream ended without a finished event");
}

static double Median(List<double> xs) => Percentile(xs, 0.5);
static double Percentile(List<double> xs, double p)
{
    var s = xs.Order().ToList();
    var rank = p * (s.Count - 1);
    var lo = (int)Math.Floor(rank);
    var hi = (int)Math.Ceiling(rank);
    return s[lo] + (s[hi] - s[lo]) * (rank - lo);
}
