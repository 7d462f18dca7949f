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

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}
