using Orleans.Configuration;
using ScanGate.Api;
using ScanGate.Contracts;
using ScanGate.Grains;
using ScanGate.Runtime;
using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;
using ScanGate.Storage;

namespace ScanGate.Silo;

/// <summary>Orleans endpoints and identity of this silo. Bound from "ScanGate:Orleans".</summary>
public sealed class SiloOptions
{
    public const string Section = "ScanGate:Orleans";
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;
    public string ClusterId { get; set; } = "scangate-local";
    public string ServiceId { get; set; } = "scangate";
}

/// <summary>Composes the embedded deployment: one silo, the REST API, the runtime and the stores.</summary>
public static class ScanGateHost
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
            builder.WebHost.UseUrls(DefaultUrl);
        var siloOptions = builder.Configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloOptions.SiloPort, siloOptions.GatewayPort, serviceId: siloOptions.ServiceId, clusterId: siloOptions.ClusterId);
            silo.AddScanGateSilo(builder.Configuration);
        });
        builder.Services.AddScanGateApi(builder.Configuration);
        return builder;
    }

    /// <summary>Everything a ScanGate silo hosts: storage, streams, the catalogue, the runtime, the stores.</summary>
    public static ISiloBuilder AddScanGateSilo(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.AddMemoryGrainStorage("state");
        silo.AddMemoryGrainStorage("PubSubStore");
        silo.AddMemoryStreams(ScanStreams.Provider);

        var services = silo.Services;
        services.Configure<ScannerRunOptions>(configuration.GetSection(ScannerRunOptions.Section));
        services.Configure<DockerOptions>(configuration.GetSection(DockerOptions.Section));
        services.AddSingleton(sp => ScanCatalog.CreateDefault(sp.GetServices<IScannerAdapter>(), sp.GetServices<ScanTypeDefinition>()));
        services.AddSingleton<IContainerRuntime, DockerContainerRuntime>();
        services.Configure<AdmissionOptions>(configuration.GetSection(AdmissionOptions.Section));
        services.AddSingleton<Clock>();
        services.AddSingleton<ScanSnapshotMirror>();
        services.AddScanGateStores(configuration);
        services.AddSingleton<OrphanContainerReaper>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<OrphanContainerReaper>());
        services.AddHttpClient("scanner", c => c.Timeout = TimeSpan.FromSeconds(30))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        return silo;
    }

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.UseScanGateApi();
        app.MapScanGateApi();
        return app;
    }
}
