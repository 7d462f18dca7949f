using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using ScanGate.Api;
using ScanGate.Contracts;
using ScanGate.Grains;
using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;
using ScanGate.Silo;

namespace ScanGate.Tests.Infrastructure;

/// <summary>A real in-process Orleans cluster (InProcessTestClusterBuilder) with ScanGate's silo
/// composition and the machine's real Docker engine.</summary>
/// <summary>One test cluster shared by the tests of a class (starting one per test costs more than most scans).</summary>
public class ScanClusterFixture : IAsyncLifetime
{
    public ScanCluster Cluster { get; private set; } = null!;
    public async Task InitializeAsync() => Cluster = await ScanCluster.StartAsync();
    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

public sealed class ScanCluster : IAsyncDisposable
{
    public InProcessTestCluster Cluster { get; }
    public IClusterClient Client => Cluster.Client;
    public IServiceProvider SiloServices => Cluster.GetSiloServiceProvider(Cluster.Silos[0].SiloAddress);
    public ScanCatalog Catalog => SiloServices.GetRequiredService<ScanCatalog>();

    public const string OrgId = "org_test";

    private ScanCluster(InProcessTestCluster cluster) => Cluster = cluster;

    /// <param name="replace">Runs after ScanGate's composition, so a test can put its own runtime or storage in.</param>
    /// <param name="configureSilo">Runs after ScanGate's composition, for what a test adds to the silo (call filters, options).</param>
    public static async Task<ScanCluster> StartAsync(Action<ScannerRunOptions>? configure = null, Action<IServiceCollection>? replace = null,
        Action<ISiloBuilder>? configureSilo = null)
    {
        var builder = new InProcessTestClusterBuilder(1);
        var configuration = new ConfigurationBuilder().Build();
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddScanGateSilo(configuration);
            silo.Services.PostConfigure<ScannerRunOptions>(o => configure?.Invoke(o));
            replace?.Invoke(silo.Services);
            configureSilo?.Invoke(silo);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        await cluster.Client.GetGrain<IOrganizationGrain>(OrgId).Create("Test organisation", new OrgLimits { MonthlyScanQuota = 100_000, MaxConcurrentScans = 16 });
        return new ScanCluster(cluster);
    }

    public IScanGrain Scan(string id) => Client.GetGrain<IScanGrain>(id);

    /// <summary>Validates a request the way the API does and starts it.</summary>
    public async Task<string> StartScanAsync(object body)
    {
        var request = ScanRequestParser.Parse(JsonSerializer.SerializeToElement(body), Catalog, OrgId);
        var id = Ids.NewScanId();
        var result = await Scan(id).Start(request, rescanOf: null);
        Assert.True(result.Ok, result.Message);
        return id;
    }

    public async Task<ScanSnapshot> WaitForAsync(string id, Func<ScanSnapshot, bool> condition, TimeSpan timeout, string what) =>
        (await Eventually.ValueAsync(() => Scan(id).Get(), s => s is not null && condition(s), timeout, $"scan {id} reaching '{what}'",
            poll: TimeSpan.FromMilliseconds(250)))!;

    public Task<ScanSnapshot> WaitForEndAsync(string id, TimeSpan timeout) =>
        WaitForAsync(id, s => s.Status.IsTerminal(), timeout, "a terminal status");

    public async Task<IReadOnlyList<Finding>> AllFindingsAsync(string id)
    {
        var all = new List<Finding>();
        string? cursor = null;
        do
        {
            var page = await Scan(id).Findings(new FindingQuery { Limit = 500, Cursor = cursor });
            all.AddRange(page.Items);
            cursor = page.NextCursor;
        } while (cursor is not null);
        return all;
    }

    /// <summary>Starts a scan, waits for its end, asserts it completed (naming its scanners' states when it did not),
    /// and gives it with its findings.</summary>
    public async Task<(ScanSnapshot Done, IReadOnlyList<Finding> Findings)> ScanToCompletionAsync(object request, TimeSpan timeout)
    {
        var id = await StartScanAsync(request);
        var done = await WaitForEndAsync(id, timeout);
        Assert.True(done.Status == ScanStatus.Completed, JsonSerializer.Serialize(done.Scanners));
        return (done, await AllFindingsAsync(id));
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}

/// <summary>A <see cref="ScanCluster"/> for run tests that need no Docker and no database: its container engine is
/// the in-memory fake and its grain storage checks ETags as a database does.</summary>
public static class FakeEngineCluster
{
    public static async Task<(ScanCluster Cluster, ConflictCheckingGrainStorage Storage)> StartAsync(
        FakeContainerRuntime engine, Action<IServiceCollection>? more = null)
    {
        var cluster = await ScanCluster.StartAsync(replace: services =>
        {
            services.AddSingleton<ScanGate.Runtime.IContainerRuntime>(engine);
            services.AddSingleton<ConflictCheckingGrainStorage>();
            services.AddKeyedSingleton<Orleans.Storage.IGrainStorage>("state", (sp, _) => sp.GetRequiredService<ConflictCheckingGrainStorage>());
            more?.Invoke(services);
        });
        return (cluster, cluster.SiloServices.GetRequiredService<ConflictCheckingGrainStorage>());
    }
}
