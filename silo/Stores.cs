using MongoDB.Driver;
using Npgsql;
using ScanGate.Storage;
using ScanGate.Storage.Mongo;
using ScanGate.Storage.Postgres;

namespace ScanGate.Silo;

/// <summary>Bound from "ScanGate:Storage". Connection strings come from "ConnectionStrings:Postgres" and "ConnectionStrings:Mongo".</summary>
public sealed class StorageOptions
{
    public const string Section = "ScanGate:Storage";
    /// <summary>"memory" (the embedded default) or "postgres": the scan index and the audit log.</summary>
    public string Provider { get; set; } = "memory";
    /// <summary>"memory", "postgres" or "mongodb": where findings live. Defaults to <see cref="Provider"/>.</summary>
    public string? Findings { get; set; }
    /// <summary>"memory", "postgres" or "mongodb": where scan artifacts (raw reports, logs, SARIF, SBOMs) live.
    /// Defaults to <see cref="Findings"/>, so one setting moves both.</summary>
    public string? Artifacts { get; set; }
}

public static class Stores
{
    public static IServiceCollection AddScanGateStores(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var provider = options.Provider.ToLowerInvariant();
        var findings = (options.Findings ?? options.Provider).ToLowerInvariant();
        var artifacts = (options.Artifacts ?? findings).ToLowerInvariant();
        if (provider is not ("memory" or "postgres")) throw new InvalidOperationException($"ScanGate:Storage:Provider must be memory or postgres, not '{options.Provider}'");
        if (findings is not ("memory" or "postgres" or "mongodb")) throw new InvalidOperationException($"ScanGate:Storage:Findings must be memory, postgres or mongodb, not '{options.Findings}'");
        if (artifacts is not ("memory" or "postgres" or "mongodb")) throw new InvalidOperationException($"ScanGate:Storage:Artifacts must be memory, postgres or mongodb, not '{options.Artifacts}'");

        if (provider == "postgres" || findings == "postgres" || artifacts == "postgres")
        {
            var cs = configuration.GetConnectionString("Postgres")
                ?? throw new InvalidOperationException("PostgreSQL storage needs ConnectionStrings:Postgres (environment: ConnectionStrings__Postgres)");
            services.AddSingleton(_ => NpgsqlDataSource.Create(cs));
        }
        if (provider == "postgres")
        {
            services.AddSingleton<IScanIndex, PostgresScanIndex>();
            services.AddSingleton<IAuditStore, PostgresAuditStore>();
        }
        else
        {
            services.AddSingleton<IScanIndex, InMemoryScanIndex>();
            services.AddSingleton<IAuditStore, InMemoryAuditStore>();
        }
        if (findings == "mongodb" || artifacts == "mongodb")
        {
            var mongo = configuration.GetConnectionString("Mongo")
                ?? throw new InvalidOperationException("MongoDB storage needs ConnectionStrings:Mongo (environment: ConnectionStrings__Mongo)");
            services.AddSingleton(_ => new MongoClient(mongo));
            services.AddSingleton(sp => sp.GetRequiredService<MongoClient>().GetDatabase(MongoUrl.Create(mongo).DatabaseName ?? "scangate"));
        }
        switch (findings)
        {
            case "postgres": services.AddSingleton<IFindingStore, PostgresFindingStore>(); break;
            case "mongodb":
                services.AddSingleton(sp =>
                {
                    var store = new MongoFindingStore(sp.GetRequiredService<IMongoDatabase>());
                    store.EnsureIndexesAsync().GetAwaiter().GetResult(); // once, at start-up, before any grain runs
                    return store;
                });
                services.AddSingleton<IFindingStore>(sp => sp.GetRequiredService<MongoFindingStore>());
                break;
            default: services.AddSingleton<IFindingStore, InMemoryFindingStore>(); break;
        }
        switch (artifacts)
        {
            case "postgres": services.AddSingleton<IArtifactStore>(sp => new PostgresArtifactStore(sp.GetRequiredService<NpgsqlDataSource>())); break;
            case "mongodb":
                services.AddSingleton<IArtifactStore>(sp =>
                {
                    var store = new MongoArtifactStore(sp.GetRequiredService<IMongoDatabase>());
                    store.EnsureIndexesAsync().GetAwaiter().GetResult(); // once, at start-up, as for findings
                    return store;
                });
                break;
            default: services.AddSingleton<IArtifactStore>(_ => new InMemoryArtifactStore()); break;
        }
        return services;
    }
}
