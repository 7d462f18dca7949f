using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ScanGate.Application.Live;

namespace ScanGate.Application;

public static class ApplicationSetup
{
    /// <summary>The application services every surface of this node calls.</summary>
    public static IServiceCollection AddScanGateApplication(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AuthOptions>(configuration.GetSection(AuthOptions.Section));
        services.Configure<TargetPolicyOptions>(configuration.GetSection(TargetPolicyOptions.Section));
        services.TryAddSingleton<TargetPolicy>();
        services.TryAddSingleton<AuditTrail>();
        services.TryAddSingleton<ScanQueries>();
        services.TryAddSingleton<ScanCommands>();
        services.TryAddSingleton<FindingService>();
        services.TryAddSingleton<KeyService>();
        services.TryAddSingleton<ProjectService>();
        services.TryAddSingleton<ArtifactQueries>();
        services.TryAddSingleton<ScanEventHub>();
        return services;
    }
}
