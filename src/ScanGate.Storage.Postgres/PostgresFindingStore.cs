using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using ScanGate.Contracts;

namespace ScanGate.Storage.Postgres;

/// <summary>
/// Findings in PostgreSQL: one row per finding with the columns every query filters and sorts on, and the
/// whole finding as jsonb. Batches go in with binary COPY into a staging table and one INSERT … ON CONFLICT,
/// which merges duplicates and applies earlier triage decisions of the same project.
/// </summary>
public sealed class PostgresFindingStore(NpgsqlDataSource dataSource) : IFindingStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);

    public async Task AddAsync(string scanId, IReadOnlyList<Finding> batch, CancellationToken cancellationToken = default)
    {
        if (batch.Count == 0) return;
        // One row per fingerprint within the batch: ON CONFLICT may not touch a row twice in one statement.
        var merged = batch.GroupBy(f => f.Fingerprint).Select(g => g.Aggregate(FindingMerge.Merge)).ToList();
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE incoming (LIKE findings INCLUDING DEFAULTS EXCLUDING GENERATED) ON COMMIT DROP", conn, tx))
            await create.ExecuteNonQueryAsync(cancellationToken);
        await using (var copy = await conn.BeginBinaryImportAsync(
            "COPY incoming (id, scan_id, org_id, project_key, fingerprint, scanner, category, severity, status, search_text, data) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var f in merged)
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(f.Id, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(scanId, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(f.OrgId, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(f.ProjectKey ?? "", NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(f.Fingerprint, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(f.Scanner, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(f.Category, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync((short)f.Severity, NpgsqlDbType.Smallint, cancellationToken);
                await copy.WriteAsync((short)f.Status, NpgsqlDbType.Smallint, cancellationToken);
                await copy.WriteAsync(SearchText(f), NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(JsonSerializer.Serialize(f, Json), NpgsqlDbType.Jsonb, cancellationToken);
            }
            await copy.CompleteAsync(cancellationToken);
        }
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO findings (id, scan_id, org_id, project_key, fingerprint, scanner, category, severity, status,
                                  status_note, status_changed_at, status_changed_by, search_text, data)
            SELECT i.id, i.scan_id, i.org_id, i.project_key, i.fingerprint, i.scanner, i.category, i.severity,
                   coalesce(t.status, i.status), t.note, t.changed_at, t.changed_by, i.search_text, i.data
            FROM incoming i
            LEFT JOIN finding_triage t ON t.org_id = i.org_id AND t.project_key = i.project_key AND t.fingerprint = i.fingerprint
            ON CONFLICT (scan_id, fingerprint) DO UPDATE SET severity = greatest(findings.severity, excluded.severity)
            """, conn, tx))
            await insert.ExecuteNonQueryAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    private static string SearchText(Finding f) =>
        string.Join('\n', new[] { f.Title, f.Description, f.RuleId, f.Location.ToString() }.Where(s => !string.IsNullOrEmpty(s)));

    public Task<FindingPage> ListAsync(string scanId, FindingQuery query, CancellationToken cancellationToken = default) =>
        QueryAsync(null, query with { ScanId = scanId }, cancellationToken);

    public async Task<FindingPage> QueryAsync(string? orgId, FindingQuery query, CancellationToken cancellationToken = default)
    {
        var after = FindingOrder.DecodeCursor(query.Cursor);
        (short Rank, string Id)? cursor = null;
        if (after is not null)
        {
            var parts = after.Split(':', 2);
            if (parts.Length != 2 || !short.TryParse(parts[0], out var rank)) throw new ArgumentException("cursor is not one this API issued", "cursor");
            cursor = (rank, parts[1]);
        }
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        var cmd = new NpgsqlCommand { Connection = conn };
        var where = new SqlWhere(cmd)
            .AddIf(orgId is not null, "org_id = @org", "org", () => orgId!, NpgsqlDbType.Text)
            .AddIf(query.ScanId is not null, "scan_id = @scan", "scan", () => query.ScanId!, NpgsqlDbType.Text)
            .AddIf(query.ProjectKey is not null, "project_key = @project", "project", () => query.ProjectKey!, NpgsqlDbType.Text)
            .AddIf(query.MinSeverity is not null, "severity >= @min", "min", () => (short)query.MinSeverity!.Value, NpgsqlDbType.Smallint)
            .AddIf(query.Severities.Count > 0, "severity = ANY(@sevs)", "sevs", () => query.Severities.Select(s => (short)s).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Smallint)
            .AddIf(query.Scanner is not null, "scanner = @scanner", "scanner", () => query.Scanner!, NpgsqlDbType.Text)
            .AddIf(query.Status is not null, "status = @status", "status", () => (short)query.Status!.Value, NpgsqlDbType.Smallint)
            .AddIf(query.Category is not null, "category = @category", "category", () => query.Category!, NpgsqlDbType.Text)
            .AddIf(!string.IsNullOrEmpty(query.Text), "strpos(lower(search_text), lower(@text)) > 0", "text", () => query.Text!, NpgsqlDbType.Text);
        var filter = where.Sql;

        cmd.CommandText = $"SELECT count(*) FROM findings {filter}";
        var total = Convert.ToInt32(await cmd.ExecuteScalarAsync(cancellationToken));

        if (cursor is { } c)
            where.Add("(severity_rank, id) > (@crank, @cid)", ("crank", c.Rank, NpgsqlDbType.Smallint), ("cid", c.Id, NpgsqlDbType.Text));
        cmd.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = query.Limit + 1 });
        cmd.CommandText = $"""
            SELECT data, severity, status, status_note, status_changed_at, status_changed_by FROM findings
            {where.Sql}
            ORDER BY severity_rank, id LIMIT @limit
            """;
        var items = await ReadFindingsAsync(cmd, cancellationToken);
        await cmd.DisposeAsync();
        var next = items.Count > query.Limit ? FindingOrder.EncodeCursor(FindingOrder.Key(items[query.Limit - 1])) : null;
        return new FindingPage(items.Take(query.Limit).ToList(), next, total);
    }

    private static async Task<List<Finding>> ReadFindingsAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<Finding>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var f = JsonSerializer.Deserialize<Finding>(reader.GetString(0), Json)!;
            list.Add(f with
            {
                Severity = (Severity)reader.GetInt16(1),
                Status = (FindingStatus)reader.GetInt16(2),
                StatusNote = reader.IsDBNull(3) ? null : reader.GetString(3),
                StatusChangedAt = reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                StatusChangedBy = reader.IsDBNull(5) ? null : reader.GetString(5),
            });
        }
        return list;
    }

    public async Task<Finding?> GetAsync(string findingId, CancellationToken cancellationToken = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand("SELECT data, severity, status, status_note, status_changed_at, status_changed_by FROM findings WHERE id = @id", conn);
        cmd.Parameters.AddWithValue("id", findingId);
        return (await ReadFindingsAsync(cmd, cancellationToken)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<Finding>> SetStatusAsync(IReadOnlyList<string> findingIds, FindingStatus status, string? note, string actor,
        DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        await using (var update = new NpgsqlCommand("""
            WITH changed AS (
                UPDATE findings SET status = @status, status_note = @note, status_changed_at = @at, status_changed_by = @actor
                WHERE id = ANY(@ids)
                RETURNING org_id, project_key, fingerprint)
            INSERT INTO finding_triage (org_id, project_key, fingerprint, status, note, changed_at, changed_by)
            SELECT DISTINCT org_id, project_key, fingerprint, @status, @note, @at, @actor FROM changed
            ON CONFLICT (org_id, project_key, fingerprint) DO UPDATE
                SET status = excluded.status, note = excluded.note, changed_at = excluded.changed_at, changed_by = excluded.changed_by
            """, conn, tx))
        {
            update.Parameters.AddWithValue("status", (short)status);
            update.Parameters.Add(new NpgsqlParameter("note", NpgsqlDbType.Text) { Value = (object?)note ?? DBNull.Value });
            update.Parameters.AddWithValue("at", at);
            update.Parameters.AddWithValue("actor", actor);
            update.Parameters.AddWithValue("ids", findingIds.Distinct().ToArray());
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var read = new NpgsqlCommand("SELECT data, severity, status, status_note, status_changed_at, status_changed_by FROM findings WHERE id = ANY(@ids) ORDER BY severity_rank, id", conn, tx);
        read.Parameters.AddWithValue("ids", findingIds.Distinct().ToArray());
        var updated = await ReadFindingsAsync(read, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return updated;
    }

    public async Task<SeverityCounts> CountAsync(string scanId, CancellationToken cancellationToken = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand("SELECT severity, count(*) FROM findings WHERE scan_id = @scan GROUP BY severity", conn);
        cmd.Parameters.AddWithValue("scan", scanId);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var counts = new Dictionary<Severity, int>();
        while (await reader.ReadAsync(cancellationToken)) counts[(Severity)reader.GetInt16(0)] = (int)reader.GetInt64(1);
        return new SeverityCounts
        {
            Critical = counts.GetValueOrDefault(Severity.Critical), High = counts.GetValueOrDefault(Severity.High),
            Medium = counts.GetValueOrDefault(Severity.Medium), Low = counts.GetValueOrDefault(Severity.Low), Info = counts.GetValueOrDefault(Severity.Info),
        };
    }

    public async Task DeleteScanAsync(string scanId, CancellationToken cancellationToken = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand("DELETE FROM findings WHERE scan_id = @scan", conn);
        cmd.Parameters.AddWithValue("scan", scanId);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task DeleteScannerAsync(string scanId, string scanner, CancellationToken cancellationToken = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand("DELETE FROM findings WHERE scan_id = @scan AND scanner = @scanner", conn);
        cmd.Parameters.AddWithValue("scan", scanId);
        cmd.Parameters.AddWithValue("scanner", scanner);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }
}
