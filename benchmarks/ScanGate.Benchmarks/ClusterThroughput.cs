using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Benchmarks;

/// <summary>
/// Scans per second sustained through three silo processes and an API process (an Orleans client) on
/// PostgreSQL, each scan one short real container (nmap on one port of 127.0.0.1), driven the way CI drives
/// ScanGate: POST, then poll GET until the scan is over.
/// </summary>
public static class ClusterThroughput
{
    private const int SlotsPerSilo = 4;

    public static async Task RunAsync(int scans, int inFlight)
    {
        await using var db = await BenchDatabase.CreateAsync();
        var dll = Path.Combine(AppContext.BaseDirectory, "scangate-silo.dll");
        var adminKey = ScanGate.Application.ApiKeys.NewKey();
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = db.ConnectionString,
            ["ScanGate__Orleans__Clustering"] = "postgres",
            ["ScanGate__Orleans__ClusterId"] = "bench-" + Guid.NewGuid().ToString("N")[..8],
            ["ScanGate__Storage__Provider"] = "postgres",
            ["ScanGate__Auth__BootstrapKey"] = adminKey,
            ["ScanGate__Admission__MaxConcurrentScans"] = "64",
            ["ScanGate__Silo__ContainerSlots"] = SlotsPerSilo.ToString(),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        var processes = new List<ScanGateProcess>();
        try
        {
            for (var i = 1; i <= 3; i++) processes.Add(ScanGateProcess.Start(dll, $"silo{i}", settings));
            foreach (var p in processes) await p.WaitHealthyAsync(TimeSpan.FromSeconds(90));
            var api = ScanGateProcess.Start(dll, "api", new Dictionary<string, string>(settings) { ["ScanGate__Orleans__Role"] = "api" });
            processes.Add(api);
            await api.WaitHealthyAsync(TimeSpan.FromSeconds(90));

            using var admin = Client(api, adminKey);
            var org = await PostAsync(admin, "/api/v1/orgs", new { name = "Bench", admin_email = "admin@bench.test", monthly_scan_quota = 1_000_000, max_concurrent_scans = 64 });
            var key = (await PostAsync(admin, "/api/v1/apikeys", new
            {
                name = "ci", preset = "admin", org_id = org.GetProperty("id").GetString(), member_id = org.GetProperty("admin").GetProperty("id").GetString(),
                rate_limit_per_minute = 100_000,
            })).GetProperty("key").GetString()!;
            using var ci = Client(api, key);

            using var open = new TcpListener(IPAddress.Loopback, 0);
            open.Start();
            var target = $"127.0.0.1:{((IPEndPoint)open.LocalEndpoint).Port}";

            await RunScansAsync(ci, target, Math.Min(12, scans), inFlight); // warm-up: images, connections, JIT
            var durations = new List<double>();
            var wall = Stopwatch.StartNew();
            var failed = await RunScansAsync(ci, target, scans, inFlight, durations);
            wall.Stop();

            durations.Sort();
            double P(double p) => durations[(int)Math.Min(durations.Count - 1, Math.Round(p * (durations.Count - 1)))];
            Console.WriteLine($"scans through 3 silo processes ({SlotsPerSilo} container slots each) + 1 API process on PostgreSQL");
            Console.WriteLine($"  {scans} scans (nmap, one port of 127.0.0.1), {inFlight} in flight, polled every 250 ms; {failed} did not complete");
            Console.WriteLine($"  {scans / wall.Elapsed.TotalSeconds:F2} scans/s sustained over {wall.Elapsed.TotalSeconds:F1} s");
            Console.WriteLine($"  per scan (POST to seen completed): p50 {P(0.5):F0} ms, p90 {P(0.9):F0} ms");
        }
        catch
        {
            foreach (var p in processes) Console.Error.WriteLine(p.LogTail(40));
            throw;
        }
        finally
        {
            foreach (var p in processes) await p.DisposeAsync();
        }
    }

    private static async Task<int> RunScansAsync(HttpClient ci, string target, int scans, int inFlight, List<double>? durations = null)
    {
        var failed = 0;
        await Parallel.ForAsync(0, scans, new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (_, ct) =>
        {
            var sw = Stopwatch.StartNew();
            var id = (await PostAsync(ci, "/api/v1/scans", new { scan_type = "network_discovery", target, scan_profile = "port_scan" })).GetProperty("id").GetString();
            while (true)
            {
                var status = (await ci.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}", ct)).GetProperty("status").GetString();
                if (status is "completed" or "failed" or "stopped" or "cancelled")
                {
                    if (status != "completed") Interlocked.Increment(ref failed);
                    break;
                }
                await Task.Delay(250, ct);
            }
            if (durations is not null) lock (durations) durations.Add(sw.Elapsed.TotalMilliseconds);
        });
        return failed;
    }

    private static HttpClient Client(ScanGateProcess api, string key)
    {
        var http = new HttpClient { BaseAddress = api.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("X-API-Key", key);
        return http;
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
