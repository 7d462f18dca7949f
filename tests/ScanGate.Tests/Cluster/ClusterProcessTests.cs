using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ScanGate.Grains;
using ScanGate.Runtime;
using ScanGate.Tests.Api;
using ScanGate.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ScanGate.Tests.Cluster;

/// <summary>
/// Three silo processes and one API process (an Orleans client) on a real PostgreSQL, running real containers.
/// The silo with the most active runs is killed with kill -9 mid-scan; then the whole cluster is restarted.
/// </summary>
public sealed class ClusterProcessTests(ITestOutputHelper output)
{
    private const int Scans = 30;
    private const int SlotsPerSilo = 3;
    private const string SlowNmapImage = "scangate-test/nmap-slow:latest";

    [Fact]
    public async Task Killing_the_busiest_silo_loses_no_scan_and_a_restarted_cluster_reads_everything_back()
    {
        await EnsureSlowNmapImageAsync();
        await using var db = await PostgresDatabase.CreateAsync();
        var clusterId = "cl-" + Guid.NewGuid().ToString("N")[..10];
        var adminKey = ScanGate.Application.ApiKeys.NewKey();
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = db.ConnectionString,
            ["ScanGate__Orleans__Clustering"] = "postgres",
            ["ScanGate__Orleans__ClusterId"] = clusterId,
            ["ScanGate__Orleans__Membership__ProbeTimeout"] = "00:00:02",
            ["ScanGate__Orleans__Membership__NumMissedProbesLimit"] = "2",
            ["ScanGate__Storage__Provider"] = "postgres",
            ["ScanGate__Auth__BootstrapKey"] = adminKey,
            ["ScanGate__Admission__MaxConcurrentScans"] = Scans.ToString(),
            ["ScanGate__Silo__ContainerSlots"] = SlotsPerSilo.ToString(),
            ["ScanGate__Scanners__WatchdogSeconds"] = "5",
            ["ScanGate__Scanners__ReapSeconds"] = "5",
            // nmap that waits between probes, so each container runs for several seconds.
            ["ScanGate__Scanners__Overrides__nmap__Image"] = SlowNmapImage,
        };
        var processes = new List<ScanGateProcess>();
        var sampler = new ContainerSampler(clusterId);
        try
        {
            var silos = await StartSilosAsync(settings, processes);
            await WaitUntilAsync(async () => await ScalarAsync(db, $"SELECT count(*) FROM orleans_membership WHERE deploymentid = '{clusterId}' AND status = 3") == 3,
                TimeSpan.FromSeconds(60), "three silos are active in the membership table");
            var apiPort = Net.FreePort();
            var api = await StartApiAsync(settings, processes, apiPort);
            using var http = Client(api, adminKey);
            var orgKey = await CreateTenantKeyAsync(http);
            using var tenant = Client(api, orgKey);

            using var open = new TcpListener(IPAddress.Loopback, 0);
            open.Start();
            var openPort = ((IPEndPoint)open.LocalEndpoint).Port;
            var ports = string.Join(',', new[] { openPort }.Concat(Enumerable.Range(0, 9).Select(_ => Net.FreePort())));
            var ids = new List<string>();
            while (ids.Count < Scans)
            {
                // A cluster that is still settling answers 503 with Retry-After; a CI client waits and asks again.
                using var created = await tenant.PostAsJsonAsync("/api/v1/scans", new { scan_type = "network_discovery", target = $"127.0.0.1:{ports}", scan_profile = "port_scan" });
                if (created.StatusCode == HttpStatusCode.ServiceUnavailable) { await Task.Delay(TimeSpan.FromSeconds(2)); continue; }
                Assert.True(created.StatusCode == HttpStatusCode.Accepted, await created.Content.ReadAsStringAsync());
                ids.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
            }
            sampler.Start();

            // The busiest silo: the one whose label is on the most running containers.
            var busiest = await WaitForBusiestSiloAsync(clusterId, minimumRunning: 2 * SlotsPerSilo);
            var victim = silos.Single(s => busiest.Silo.StartsWith($"127.0.0.1:{s.SiloPort}@", StringComparison.Ordinal));
            output.WriteLine($"killing {victim.Name} ({busiest.Silo}) with {busiest.Running} running containers");
            await victim.KillAsync();

            var finals = await WaitAllTerminalAsync(tenant, ids, TimeSpan.FromMinutes(5), processes);
            foreach (var (id, scan) in finals)
                Assert.True(scan.GetProperty("status").GetString() == "completed", $"scan {id} ended {scan}");

            // No finding stored twice: each scan has exactly its one open port, once, and its counts agree.
            foreach (var id in ids)
            {
                var findings = (await GetJsonAsync(tenant, $"/api/v1/scans/{id}/findings?limit=100")).GetProperty("items").EnumerateArray().ToList();
                Assert.Single(findings);
                Assert.Equal(openPort, findings[0].GetProperty("location").GetProperty("port").GetInt32());
                Assert.Equal(1, finals[id].GetProperty("counts").GetProperty("info").GetInt32());
            }
            Assert.Equal(0L, await ScalarAsync(db, "SELECT count(*) FROM (SELECT scan_id, fingerprint FROM findings GROUP BY 1, 2 HAVING count(*) > 1) d"));
            Assert.Equal((long)Scans, await ScalarAsync(db, $"SELECT count(*) FROM findings WHERE scan_id IN ('{string.Join("','", ids)}')"));
            Assert.True(finals.Values.Sum(s => s.GetProperty("scanners")[0].GetProperty("reruns").GetInt32()) <= Scans); // recovered, bounded

            // No container of the killed silo (or any other) is left behind.
            await WaitUntilAsync(async () => (await DockerCli.ContainersWithLabelAsync(ContainerLabels.Silo, busiest.Silo)).Count == 0,
                TimeSpan.FromSeconds(60), "the killed silo's containers are removed");
            await WaitUntilAsync(async () => (await DockerCli.ContainersWithLabelAsync(ContainerLabels.Cluster, clusterId)).Count == 0,
                TimeSpan.FromSeconds(60), "every scanner container is removed");
            await sampler.StopAsync();
            foreach (var (silo, most) in sampler.MostRunningPerSilo)
                Assert.True(most <= SlotsPerSilo, $"silo {silo} ran {most} containers at once; it has {SlotsPerSilo} slots:\n{sampler.Overflow}");
            Assert.True(sampler.MostRunningPerSilo.Count >= 2, "runs spread over more than one silo");

            // Stop everything, start it again, and read every scan and finding back unchanged.
            var before = await ReadAllAsync(tenant, ids);
            foreach (var p in processes) await p.StopAsync(TimeSpan.FromSeconds(30));
            foreach (var p in processes) await p.DisposeAsync();
            processes.Clear();
            await StartSilosAsync(settings, processes);
            var restarted = await StartApiAsync(settings, processes, apiPort);
            using var again = Client(restarted, orgKey);
            var after = await ReadAllAsync(again, ids);
            foreach (var id in ids)
            {
                Assert.Equal(before[id].Scan, after[id].Scan);
                Assert.Equal(before[id].Findings, after[id].Findings);
            }
        }
        catch
        {
            foreach (var p in processes) output.WriteLine(p.LogTail(80));
            throw;
        }
        finally
        {
            await sampler.StopAsync();
            foreach (var p in processes) await p.DisposeAsync();
            foreach (var leftover in await DockerCli.ContainersWithLabelAsync(ContainerLabels.Cluster, clusterId))
                await Proc.RunAsync("docker", "rm", "-f", leftover);
        }
    }

    private static async Task<List<ScanGateProcess>> StartSilosAsync(Dictionary<string, string> settings, List<ScanGateProcess> processes)
    {
        var silos = Enumerable.Range(1, 3).Select(i => ScanGateProcess.Start(SiloAssembly.Path(), $"silo{i}", settings)).ToList();
        processes.AddRange(silos);
        foreach (var s in silos) await s.WaitHealthyAsync(TimeSpan.FromSeconds(90));
        return silos;
    }

    private static async Task<ScanGateProcess> StartApiAsync(Dictionary<string, string> settings, List<ScanGateProcess> processes, int port)
    {
        var api = ScanGateProcess.Start(SiloAssembly.Path(), "api", new Dictionary<string, string>(settings) { ["ScanGate__Orleans__Role"] = "api" }, httpPort: port);
        processes.Add(api);
        await api.WaitHealthyAsync(TimeSpan.FromSeconds(90));
        return api;
    }

    private static HttpClient Client(ScanGateProcess api, string key)
    {
        var http = new HttpClient { BaseAddress = api.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    private static async Task<string> CreateTenantKeyAsync(HttpClient admin)
    {
        var org = await ApiHost.PostJsonAsync(admin, "/api/v1/orgs", new { name = "Cluster", admin_email = "admin@cluster.test", monthly_scan_quota = 1000, max_concurrent_scans = Scans });
        return (await ApiHost.PostJsonAsync(admin, "/api/v1/apikeys", new
        {
            name = "ci", preset = "admin", org_id = org.GetProperty("id").GetString(), member_id = org.GetProperty("admin").GetProperty("id").GetString(),
        })).GetProperty("key").GetString()!;
    }

    /// <summary>A GET that rides out the moments when the cluster answers 503 (a silo just died).</summary>
    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await http.GetAsync(path);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 60) { await Task.Delay(500); continue; }
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }

    private static async Task<Dictionary<string, JsonElement>> WaitAllTerminalAsync(HttpClient http, List<string> ids, TimeSpan timeout, List<ScanGateProcess> processes)
    {
        var deadline = DateTime.UtcNow + timeout;
        var done = new Dictionary<string, JsonElement>();
        while (true)
        {
            foreach (var id in ids.Where(i => !done.ContainsKey(i)))
            {
                var scan = await GetJsonAsync(http, $"/api/v1/scans/{id}");
                if (scan.GetProperty("status").GetString() is "completed" or "failed" or "stopped" or "cancelled") done[id] = scan;
            }
            if (done.Count == ids.Count) return done;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{ids.Count - done.Count} scans did not end: {string.Join(", ", ids.Where(i => !done.ContainsKey(i)))}");
            await Task.Delay(1000);
        }
    }

    private static async Task<Dictionary<string, (string Scan, string Findings)>> ReadAllAsync(HttpClient http, List<string> ids)
    {
        var all = new Dictionary<string, (string, string)>();
        foreach (var id in ids)
            all[id] = ((await GetJsonAsync(http, $"/api/v1/scans/{id}")).GetRawText(),
                (await GetJsonAsync(http, $"/api/v1/scans/{id}/findings?limit=100")).GetRawText());
        return all;
    }

    private static async Task<(string Silo, int Running)> WaitForBusiestSiloAsync(string clusterId, int minimumRunning)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            var perSilo = await ContainerSampler.RunningPerSiloAsync(clusterId);
            if (perSilo.Values.Sum() >= minimumRunning)
                return perSilo.OrderByDescending(p => p.Value).Select(p => (p.Key, p.Value)).First();
            await Task.Delay(200);
        }
        throw new TimeoutException($"fewer than {minimumRunning} scanner containers ever ran at once");
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not so within {timeout}: {what}");
            await Task.Delay(500);
        }
    }

    private static async Task<long> ScalarAsync(PostgresDatabase db, string sql)
    {
        await using var cmd = db.DataSource.CreateCommand(sql);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }

    /// <summary>The scanner image with a delay between probes (entrypoint options only: no shell).</summary>
    private static async Task EnsureSlowNmapImageAsync()
    {
        if ((await Proc.RunAsync("docker", "image", "inspect", SlowNmapImage)).Code == 0) return;
        var dir = Directory.CreateTempSubdirectory("nmap-slow").FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "Dockerfile"),
            "FROM scangate/nmap:latest\nENTRYPOINT [\"nmap\", \"--scan-delay\", \"600ms\"]\n");
        await Proc.RunCheckedAsync("docker", "build", "--network", "host", "-t", SlowNmapImage, dir);
    }

    /// <summary>Samples `docker ps` in the background: the most containers each silo ran at once.</summary>
    private sealed class ContainerSampler(string clusterId)
    {
        private readonly CancellationTokenSource _stop = new();
        private Task? _loop;
        public ConcurrentDictionary<string, int> MostRunningPerSilo { get; } = new();
        /// <summary>What `docker ps` showed the first time a silo ran more containers than its slots.</summary>
        public string? Overflow { get; private set; }

        public void Start() => _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                foreach (var (silo, running) in await RunningPerSiloAsync(clusterId))
                {
                    MostRunningPerSilo.AddOrUpdate(silo, running, (_, most) => Math.Max(most, running));
                    if (running > SlotsPerSilo && Overflow is null)
                        Overflow = await Proc.RunCheckedAsync("docker", "ps", "--filter", $"label={ContainerLabels.Silo}={silo}",
                            "--format", "{{.ID}} {{.Status}} {{.Label \"scangate.run\"}}");
                }
                try { await Task.Delay(200, _stop.Token); } catch (OperationCanceledException) { }
            }
        });

        public async Task StopAsync()
        {
            _stop.Cancel();
            if (_loop is not null) await _loop;
        }

        public static async Task<Dictionary<string, int>> RunningPerSiloAsync(string clusterId)
        {
            var text = await Proc.RunCheckedAsync("docker", "ps", "--filter", $"label={ContainerLabels.Cluster}={clusterId}",
                "--format", $"{{{{.Label \"{ContainerLabels.Silo}\"}}}}");
            return text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
        }
    }
}
