using Orleans.Dashboard;
using ScanGate.Api.Auth;
using ScanGate.Runtime;
using ScanGate.Storage;

namespace ScanGate.Silo.Operations;

/// <summary>Bound from "ScanGate:Dashboard".</summary>
public sealed class DashboardOptions
{
    public const string Section = "ScanGate:Dashboard";
    /// <summary>Mount the Orleans Dashboard (grain and silo statistics) for the platform administrator.</summary>
    public bool Enabled { get; set; } = true;
    public string Path { get; set; } = "/dashboard";
}

/// <summary>
/// What an operator needs to run ScanGate as a service, composed onto the host: health endpoints, OpenTelemetry
/// (traces, metrics, logs), instrumentation of the container runtime, the finding store and callbacks, scan
/// metrics, scan ids in log scopes, and the Orleans Dashboard for the platform administrator.
/// </summary>
public static class Operations
{
    public static WebApplicationBuilder AddScanGateOperations(this WebApplicationBuilder builder, SiloOptions silo)
    {
        var isSilo = !silo.Role.Equals("api", StringComparison.OrdinalIgnoreCase);
        builder.AddScanGateTelemetry(isSilo ? "silo" : "api");
        builder.Services.AddScanGateHealth(builder.Configuration, isSilo, embedded: silo.Clustering.Equals("localhost", StringComparison.OrdinalIgnoreCase));
        builder.Services.Configure<DashboardOptions>(builder.Configuration.GetSection(DashboardOptions.Section));
        builder.Services.AddHostedService<NodeMetrics>();
        if (isSilo)
        {
            builder.Services.AddHostedService<ScanMetrics>();
            builder.Services.AddTransient<CallbackTelemetryHandler>();
            builder.Services.AddHttpClient("callbacks").AddHttpMessageHandler<CallbackTelemetryHandler>();
        }
        return builder;
    }

    /// <summary>On the silo builder: Orleans' spans for grain calls, scan ids in log scopes, the dashboard.</summary>
    public static ISiloBuilder AddScanGateOperations(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.AddActivityPropagation();
        silo.AddIncomingGrainCallFilter<ScanLogScopeFilter>();
        if (DashboardEnabled(configuration)) silo.AddDashboard();
        return silo;
    }

    /// <summary>On an API node's client builder: Orleans' spans for its grain calls, the dashboard's client side.</summary>
    public static IClientBuilder AddScanGateOperations(this IClientBuilder client, IConfiguration configuration)
    {
        client.AddActivityPropagation();
        if (DashboardEnabled(configuration)) client.AddDashboard();
        return client;
    }

    /// <summary>Just before the host is built: instrument whichever container runtime and finding store the host (or a
    /// test) registered last.</summary>
    public static void DecorateForOperations(this IServiceCollection services)
    {
        services.Decorate<IContainerRuntime>((sp, inner) => new InstrumentedContainerRuntime(inner, sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.Decorate<IFindingStore>((sp, inner) => new InstrumentedFindingStore(inner, sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
    }

    public static WebApplication MapScanGateOperations(this WebApplication app)
    {
        app.MapScanGateHealth();
        app.MapScanGateTelemetry();
        var dashboard = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DashboardOptions>>().Value;
        if (dashboard.Enabled)
            app.MapOrleansDashboard(routePrefix: dashboard.Path).RequireAuthorization(Policies.PlatformAdmin);
        return app;
    }

    private static bool DashboardEnabled(IConfiguration configuration) =>
        configuration.GetSection(DashboardOptions.Section).Get<DashboardOptions>()?.Enabled ?? true;

    /// <summary>Replaces the last registration of <typeparamref name="TService"/> by <paramref name="wrap"/> around it, same lifetime.</summary>
    private static void Decorate<TService>(this IServiceCollection services, Func<IServiceProvider, TService, TService> wrap) where TService : class
    {
        var index = -1;
        for (var i = services.Count - 1; i >= 0; i--)
            if (services[i].ServiceType == typeof(TService) && !services[i].IsKeyedService) { index = i; break; }
        if (index < 0) return;
        var original = services[index];
        services[index] = ServiceDescriptor.Describe(typeof(TService), sp => wrap(sp, (TService)Create(sp, original)), original.Lifetime);
    }

    private static object Create(IServiceProvider sp, ServiceDescriptor d) =>
        d.ImplementationInstance ?? d.ImplementationFactory?.Invoke(sp) ?? ActivatorUtilities.CreateInstance(sp, d.ImplementationType!);
}
