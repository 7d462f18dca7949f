using Microsoft.Extensions.Options;
using Orleans.Configuration;
using ScanGate.Api;
using ScanGate.Contracts;
using ScanGate.Grains;
using ScanGate.Grains.Placement;
using ScanGate.Runtime;
using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;
using ScanGate.Silo.Operations;
using ScanGate.Storage;
using ScanGate.WebConsole;

namespace ScanGate.Silo;

/// <summary>Orleans endpoints and identity of this silo. Bound from "ScanGate:Orleans".</summary>
public sealed class SiloOptions
{
    public const string Section = "ScanGate:Orleans";
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;
    public string ClusterId { get; set; } = "scangate-local";
    public string ServiceId { get; set; } = "scangate";
    /// <summary>"localhost" (one silo, the embedded default) or "postgres" (several silos sharing ConnectionStrings:Postgres).</summary>
    public string Clustering { get; set; } = "localhost";
    /// <summary>The address (or host name) other silos and clients reach this silo at, in cluster mode.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";
    /// <summary>Bind the silo and gateway ports on every interface (in a container), not only the advertised address.</summary>
    public bool ListenOnAnyAddress { get; set; }
    /// <summary>"silo" (a silo co-hosting the API: the default) or "api" (an API node that reaches the silos as an Orleans client).</summary>
    public string Role { get; set; } = "silo";
    /// <summary>Running in a Kubernetes pod (with postgres clustering): Microsoft.Orleans.Hosting.Kubernetes takes the
    /// silo's identity and endpoints from the pod's environment.</summary>
    public bool Kubernetes { get; set; }

    public System.Net.IPAddress ResolveAdvertisedAddress() =>
        System.Net.IPAddress.TryParse(AdvertisedAddress, out var ip) ? ip
        : System.Net.Dns.GetHostAddresses(AdvertisedAddress).First(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
}

/// <summary>Composes the embedded deployment: one silo, the REST API, the runtime and the stores.</summary>
public static class ScanGateHost
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        // Named after this host, not the process's entry assembly (a test runner hosting it), so that the console's
        // static assets are found by the host's manifests.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ApplicationName = typeof(ScanGateHost).Assembly.GetName().Name });
        // From a build output (dotnet run) the console's and MudBlazor's files are found through the static web assets
        // manifest whatever the environment; a published host has them in wwwroot, and this does nothing.
        builder.WebHost.UseStaticWebAssets();
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
            builder.WebHost.UseUrls(DefaultUrl);
        var siloOptions = builder.Configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        if (siloOptions.Role.Equals("api", StringComparison.OrdinalIgnoreCase))
        {
            // An API node: no grains here; it finds the silos' gateways in the membership table.
            builder.UseOrleansClient(client =>
            {
                client.Configure<ClusterOptions>(o => { o.ClusterId = siloOptions.ClusterId; o.ServiceId = siloOptions.ServiceId; });
                client.UseAdoNetClustering(o => { o.Invariant = "Npgsql"; o.ConnectionString = PostgresConnectionString(builder.Configuration); });
                client.AddMemoryStreams(ScanStreams.Provider);
                client.AddScanGateOperations(builder.Configuration);
            });
            builder.AddScanGateOperations(siloOptions);
            builder.Services.AddSingleton(sp => ScanCatalog.CreateDefault(sp.GetServices<IScannerAdapter>(), sp.GetServices<ScanTypeDefinition>()));
            builder.Services.AddScanGateApi(builder.Configuration);
            builder.Services.AddScanGateConsole(builder.Configuration);
            return builder;
        }
        builder.UseOrleans(silo =>
        {
            if (siloOptions.Clustering.Equals("postgres", StringComparison.OrdinalIgnoreCase))
            {
                if (siloOptions.Kubernetes)
                    // In a pod: cluster and service ids, address and ports from the pod (deploy/kubernetes/silo.yaml), and
                    // silos whose pods are gone are declared dead at once.
                    silo.UseKubernetesHosting();
                else
                {
                    silo.Configure<ClusterOptions>(o => { o.ClusterId = siloOptions.ClusterId; o.ServiceId = siloOptions.ServiceId; });
                    silo.ConfigureEndpoints(siloOptions.ResolveAdvertisedAddress(), siloOptions.SiloPort, siloOptions.GatewayPort, listenOnAnyHostAddress: siloOptions.ListenOnAnyAddress);
                }
                silo.UseAdoNetClustering(o => { o.Invariant = "Npgsql"; o.ConnectionString = PostgresConnectionString(builder.Configuration); });
                // How fast a dead silo is noticed (probe timeout, missed probes, votes): Orleans' defaults unless set.
                silo.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection(SiloOptions.Section + ":Membership"));
            }
            else silo.UseLocalhostClustering(siloOptions.SiloPort, siloOptions.GatewayPort, serviceId: siloOptions.ServiceId, clusterId: siloOptions.ClusterId);
            silo.AddScanGateSilo(builder.Configuration);
            silo.AddScanGateOperations(builder.Configuration);
        });
        builder.Services.AddScanGateApi(builder.Configuration);
        builder.Services.AddScanGateConsole(builder.Configuration);
        builder.AddScanGateOperations(siloOptions);
        return builder;
    }

    /// <summary>Everything a ScanGate silo hosts: storage, streams, the catalogue, the runtime, the stores.</summary>
    public static ISiloBuilder AddScanGateSilo(this ISiloBuilder silo, IConfiguration configuration)
    {
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        if (storage.Provider.Equals("postgres", StringComparison.OrdinalIgnoreCase))
        {
            // Grain state and reminders on PostgreSQL, through the project's own provider queries (deploy/sql/).
            var cs = PostgresConnectionString(configuration);
            silo.AddAdoNetGrainStorage("state", o => { o.Invariant = "Npgsql"; o.ConnectionString = cs; });
            silo.AddAdoNetGrainStorage("PubSubStore", o => { o.Invariant = "Npgsql"; o.ConnectionString = cs; });
            silo.UseAdoNetReminderService(o => { o.Invariant = "Npgsql"; o.ConnectionString = cs; });
        }
        else
        {
            silo.AddMemoryGrainStorage("state");
            silo.AddMemoryGrainStorage("PubSubStore");
            silo.UseInMemoryReminderService();
        }
        silo.AddMemoryStreams(ScanStreams.Provider);
        // A strongly consistent grain directory: when a silo dies, the activations on the others stay registered,
        // so a run is never activated twice (the default directory loses the dead silo's share of entries).
#pragma warning disable ORLEANSEXP003
        silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003

        var services = silo.Services;
        services.Configure<ScannerRunOptions>(configuration.GetSection(ScannerRunOptions.Section));
        // Runs spread by free container slots.
        services.Configure<ContainerSlotOptions>(configuration.GetSection(ContainerSlotOptions.Section));
        services.AddSingleton<ContainerSlots>();
        services.AddSingleton<IContainerSlotClient, ContainerSlotClient>();
        silo.AddGrainService<ContainerSlotService>();
        silo.AddPlacementDirector<ContainerSlotPlacement, ContainerSlotPlacementDirector>();
        services.Configure<DockerOptions>(configuration.GetSection(DockerOptions.Section));
        services.AddSingleton(sp => ScanCatalog.CreateDefault(sp.GetServices<IScannerAdapter>(), sp.GetServices<ScanTypeDefinition>()));
        services.AddSingleton<IContainerRuntime, DockerContainerRuntime>();
        services.Configure<AdmissionOptions>(configuration.GetSection(AdmissionOptions.Section));
        services.Configure<UploadOptions>(configuration.GetSection(UploadOptions.Section));
        services.Configure<ScheduleOptions>(configuration.GetSection(ScheduleOptions.Section));
        // Orleans refuses reminder periods under its minimum (a minute by default); a deployment or a test that
        // asks for a shorter schedule or run-watchdog reminder lowers the minimum to it.
        services.AddOptions<ReminderOptions>().Configure<IOptions<ScheduleOptions>, IOptions<ScannerRunOptions>>((reminders, schedules, runs) =>
        {
            var shortest = new[] { reminders.MinimumReminderPeriod, schedules.Value.ReminderPeriod, runs.Value.WatchdogPeriod }.Min();
            reminders.MinimumReminderPeriod = shortest;
        });
        services.AddSingleton<Clock>();
        services.AddSingleton<ScanSnapshotMirror>();
        services.AddScanGateStores(configuration);
        services.AddSingleton<OrphanContainerReaper>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<OrphanContainerReaper>());
        services.Configure<CallbackOptions>(configuration.GetSection(CallbackOptions.Section));
        services.AddHttpClient("callbacks", c => c.Timeout = TimeSpan.FromSeconds(15))
            .ConfigurePrimaryHttpMessageHandler(sp => CallbackSigning.Handler(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<CallbackOptions>>().Value));
        services.AddHttpClient("scanner", c => c.Timeout = TimeSpan.FromSeconds(30))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        return silo;
    }

    public static string PostgresConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString("Postgres")
        ?? throw new InvalidOperationException("PostgreSQL needs ConnectionStrings:Postgres (environment: ConnectionStrings__Postgres)");

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        builder.Services.DecorateForOperations();
        var app = builder.Build();
        app.UseScanGateApi();
        app.MapScanGateApi();
        // The web console at /, on every node that serves the API.
        app.MapScanGateConsole();
        app.MapScanGateOperations();
        return app;
    }
}
