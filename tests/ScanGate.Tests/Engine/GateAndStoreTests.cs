using ScanGate.Contracts;
using ScanGate.Grains;
using ScanGate.Scanners;
using ScanGate.Storage;

namespace ScanGate.Tests.Engine;

public class GateAndStoreTests
{
    [Fact]
    public async Task Store_merges_duplicates_pages_by_cursor_and_deletes()
    {
        var store = new InMemoryFindingStore();
        var ctx = new FindingContext("scn_S", "nmap");
        var batch = Enumerable.Range(1, 25).Select(i => ctx.Create("network", i % 5 == 0 ? Severity.High : Severity.Info, $"p{i}", "open-port",
            new FindingLocation { Host = "h", Port = i })).ToList();
        await store.AddAsync("scn_S", batch);
        await store.AddAsync("scn_S", [ctx.Create("network", Severity.Critical, "p1 again", "open-port", new FindingLocation { Host = "h", Port = 1 })]);

        var counts = await store.CountAsync("scn_S");
        Assert.Equal(25, counts.Total);
        Assert.Equal(1, counts.Critical);

        var seen = new List<Finding>();
        string? cursor = null;
        do
        {
            var page = await store.ListAsync("scn_S", new FindingQuery { Limit = 10, Cursor = cursor });
            Assert.Equal(25, page.Total);
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
        } while (cursor is not null);
        Assert.Equal(25, seen.Select(f => f.Fingerprint).Distinct().Count());
        Assert.Equal(Severity.Critical, seen[0].Severity); // worst first
        Assert.Equal(6, (await store.ListAsync("scn_S", new FindingQuery { MinSeverity = Severity.High })).Total); // 5 high and the merged critical

        await store.DeleteScanAsync("scn_S");
        Assert.Equal(0, (await store.CountAsync("scn_S")).Total);
        await Assert.ThrowsAsync<ArgumentException>(() => store.ListAsync("scn_S", new FindingQuery { Cursor = "!!!" }));
    }

    [Fact]
    public void Sortable_ids_sort_by_time_and_validate()
    {
        var a = Ids.NewScanId();
        Thread.Sleep(2);
        var b = Ids.NewScanId();
        Assert.True(string.CompareOrdinal(a, b) < 0);
        Assert.True(SortableId.IsValid(a[4..]));
        Assert.False(SortableId.IsValid("not-an-id"));
    }

    [Fact]
    public void Log_lines_lose_terminal_escapes_and_are_capped()
    {
        Assert.Equal("5:08AM INF 1 commits scanned.", LogText.Clean("\u001b[90m5:08AM\u001b[0m \u001b[32mINF\u001b[0m 1 commits scanned."));
        Assert.True(LogText.Clean(new string('x', 10_000)).Length <= LogText.MaxLineLength + 1);
    }
}
