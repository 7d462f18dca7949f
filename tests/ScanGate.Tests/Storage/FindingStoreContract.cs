using MongoDB.Driver;
using Npgsql;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Storage;
using ScanGate.Storage.Mongo;
using ScanGate.Storage.Postgres;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Storage;

/// <summary>
/// The one contract every finding store passes. Each adapter runs it through a subclass: in-memory,
/// PostgreSQL (a real server), and MongoDB when SCANGATE_TEST_MONGO names one.
/// </summary>
public abstract class FindingStoreContract(StoreBackend backend) : StoreContract<IFindingStore>(backend)
{
    protected override IFindingStore CreateInMemory() => new InMemoryFindingStore();
    protected override IFindingStore CreateOnPostgres(NpgsqlDataSource dataSource) => new PostgresFindingStore(dataSource);

    protected override async Task<IFindingStore> CreateOnMongoAsync(IMongoDatabase database)
    {
        var store = new MongoFindingStore(database);
        await store.EnsureIndexesAsync();
        return store;
    }

    private static Finding F(string scan, string org, string project, Severity severity, string rule, int port, string scanner = "nmap", string category = "network") =>
        new FindingContext(scan, scanner).Create(category, severity, $"{rule} on port {port}", rule, new FindingLocation { Host = "10.0.0.1", Port = port },
            description: "described") with { OrgId = org, ProjectKey = project };

    [SkippableFact]
    public async Task Adds_in_batches_merges_duplicates_and_counts_by_severity()
    {
        var scan = Ids.NewScanId();
        var batch = Enumerable.Range(1, 1200).Select(i => F(scan, "org_1", "app", (Severity)(i % 5), "open-port", i)).ToList();
        foreach (var chunk in batch.Chunk(500)) await Store.AddAsync(scan, chunk);
        // The same finding again, worse: merged into one, the worse severity kept.
        await Store.AddAsync(scan, [F(scan, "org_1", "app", Severity.Critical, "open-port", 1), F(scan, "org_1", "app", Severity.Critical, "open-port", 1)]);

        var counts = await Store.CountAsync(scan);
        Assert.Equal(1200, counts.Total);
        Assert.Equal(241, counts.Critical); // 240 with i % 5 == 4, and port 1 raised from low
        Assert.Equal(239, counts.Low);
        var all = await AllAsync(scan);
        Assert.Equal(1200, all.Select(f => f.Fingerprint).Distinct().Count());
        Assert.Equal(Severity.Critical, Assert.Single(all, f => f.Location.Port == 1).Severity);
    }

    [SkippableFact]
    public async Task Pages_worst_first_with_a_cursor_and_filters()
    {
        var scan = Ids.NewScanId();
        await Store.AddAsync(scan, Enumerable.Range(1, 23).Select(i => F(scan, "org_1", "app", (Severity)(i % 5), i % 2 == 0 ? "even" : "odd", i)).ToList());
        var seen = new List<Finding>();
        string? cursor = null;
        do
        {
            var page = await Store.ListAsync(scan, new FindingQuery { Limit = 5, Cursor = cursor });
            Assert.Equal(23, page.Total);
            Assert.True(page.Items.Count <= 5);
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
        } while (cursor is not null);
        Assert.Equal(23, seen.Select(f => f.Id).Distinct().Count());
        Assert.Equal(seen.OrderByDescending(f => f.Severity).Select(f => f.Severity), seen.Select(f => f.Severity));

        Assert.Equal(9, (await Store.ListAsync(scan, new FindingQuery { MinSeverity = Severity.High })).Total); // 5 high, 4 critical
        Assert.Equal(8, (await Store.ListAsync(scan, new FindingQuery { Severities = [Severity.Info, Severity.Critical] })).Total);
        Assert.Equal(11, (await Store.ListAsync(scan, new FindingQuery { Text = "EVEN" })).Total);
        Assert.Equal(0, (await Store.ListAsync(scan, new FindingQuery { Scanner = "zap" })).Total);
        Assert.Equal(23, (await Store.ListAsync(scan, new FindingQuery { Category = "network", Status = FindingStatus.Open })).Total);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ListAsync(scan, new FindingQuery { Cursor = "!!" }));
    }

    [SkippableFact]
    public async Task Organisations_are_kept_apart_and_triage_carries_over_within_a_project()
    {
        var first = Ids.NewScanId();
        var other = Ids.NewScanId();
        var f = F(first, "org_1", "app", Severity.High, "open-port", 22);
        await Store.AddAsync(first, [f, F(first, "org_1", "app", Severity.Low, "open-port", 80)]);
        await Store.AddAsync(other, [F(other, "org_2", "app", Severity.High, "open-port", 22)]);
        Assert.Equal(2, (await Store.QueryAsync("org_1", new FindingQuery())).Total);
        Assert.Equal(1, (await Store.QueryAsync("org_2", new FindingQuery())).Total);
        Assert.Equal(3, (await Store.QueryAsync(null, new FindingQuery { ScanId = null, Text = "open-port" })).Items.Count(x => x.ScanId == first || x.ScanId == other));

        var at = DateTimeOffset.UtcNow;
        var updated = await Store.SetStatusAsync([f.Id, "fnd_missing"], FindingStatus.FalsePositive, "lab host", "mem_1", at);
        var one = Assert.Single(updated);
        Assert.Equal(FindingStatus.FalsePositive, one.Status);
        Assert.Equal("lab host", one.StatusNote);
        Assert.Equal("mem_1", (await Store.GetAsync(f.Id))!.StatusChangedBy);

        var later = Ids.NewScanId();
        var elsewhere = Ids.NewScanId();
        await Store.AddAsync(later, [F(later, "org_1", "app", Severity.High, "open-port", 22)]);
        await Store.AddAsync(elsewhere, [F(elsewhere, "org_1", "other-app", Severity.High, "open-port", 22)]);
        Assert.Equal(FindingStatus.FalsePositive, (await Store.ListAsync(later, new FindingQuery())).Items.Single().Status);
        Assert.Equal("lab host", (await Store.ListAsync(later, new FindingQuery())).Items.Single().StatusNote);
        Assert.Equal(FindingStatus.Open, (await Store.ListAsync(elsewhere, new FindingQuery())).Items.Single().Status); // another project
        Assert.Equal(FindingStatus.Open, (await Store.ListAsync(other, new FindingQuery())).Items.Single().Status); // another organisation
        Assert.Equal(1, (await Store.QueryAsync("org_1", new FindingQuery { Status = FindingStatus.FalsePositive, ScanId = later })).Total);
    }

    private async Task<List<Finding>> AllAsync(string scan)
    {
        var all = new List<Finding>();
        string? cursor = null;
        do
        {
            var page = await Store.ListAsync(scan, new FindingQuery { Limit = 500, Cursor = cursor });
            all.AddRange(page.Items);
            cursor = page.NextCursor;
        } while (cursor is not null);
        return all;
    }

    [SkippableFact]
    public async Task Deletes_a_scan_or_one_scanners_findings()
    {
        var scan = Ids.NewScanId();
        await Store.AddAsync(scan, [F(scan, "org_1", "app", Severity.High, "a", 1), F(scan, "org_1", "app", Severity.High, "b", 2, scanner: "testssl", category: "tls")]);
        await Store.DeleteScannerAsync(scan, "testssl");
        Assert.Equal(1, (await Store.CountAsync(scan)).Total);
        await Store.DeleteScanAsync(scan);
        Assert.Equal(0, (await Store.CountAsync(scan)).Total);
        Assert.Null(await Store.GetAsync("fnd_nothing"));
    }
}

public sealed class InMemoryFindingStoreContract() : FindingStoreContract(StoreBackend.Memory);

public sealed class PostgresFindingStoreContract() : FindingStoreContract(StoreBackend.Postgres);

/// <summary>Runs where SCANGATE_TEST_MONGO names a MongoDB server; reported skipped everywhere else.</summary>
public sealed class MongoFindingStoreContract() : FindingStoreContract(StoreBackend.Mongo);
