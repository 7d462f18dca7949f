using Npgsql;
using ScanGate.Silo;
using ScanGate.Storage.Postgres;

if (args.Contains("--migrate"))
{
    // A one-shot step: bring the PostgreSQL schema to this build's version, then exit.
    var configuration = new ConfigurationBuilder().AddJsonFile("appsettings.json", optional: true).AddEnvironmentVariables()
        .AddCommandLine(args.Where(a => a != "--migrate").ToArray()).Build();
    var cs = configuration.GetConnectionString("Postgres");
    if (string.IsNullOrEmpty(cs))
    {
        Console.Error.WriteLine("--migrate needs ConnectionStrings:Postgres (environment: ConnectionStrings__Postgres)");
        return 2;
    }
    await using var dataSource = NpgsqlDataSource.Create(cs);
    using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole());
    var migrator = new SchemaMigrator(dataSource, loggers.CreateLogger<SchemaMigrator>());
    try
    {
        var applied = await migrator.MigrateAsync();
        Console.WriteLine(applied.Count == 0
            ? $"schema already at version {SchemaMigrator.LatestVersion}; nothing to do"
            : $"schema migrated to version {SchemaMigrator.LatestVersion} (applied {string.Join(", ", applied)})");
        return 0;
    }
    catch (InvalidOperationException ex)
    {
        Console.Error.WriteLine(ex.Message);
        return 1;
    }
}

var app = ScanGateHost.Build(ScanGateHost.CreateBuilder(args));
app.Run();
return 0;

public partial class Program;
