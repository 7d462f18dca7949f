using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using ScanGate.Contracts;

namespace ScanGate.Storage.Postgres;

/// <summary>The scan list in PostgreSQL, newest first by id (ids sort by creation time).</summary>
public sealed class PostgresScanIndex(NpgsqlDataSource dataSource) : IScanIndex
{
    public async Task UpsertAsync(ScanSummary s, CancellationToken cancellationToken = default)
    {
        await using var cmd = dataSource.CreateCommand("""
            INSERT INTO scans (id, org_id, project_key, scan_type, target, status, branch, created_at, finished_at, gate_passed, counts)
            VALUES (@id, @org, @project, @type, @target, @status, @branch, @created, @finished, @gate, @counts)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, finished_at = excluded.finished_at,
                gate_passed = excluded.gate_passed, counts = excluded.counts
            """);
        cmd.Parameters.AddWithValue("id", s.Id);
        cmd.Parameters.AddWithValue("org", s.OrgId);
        cmd.Parameters.Add(new NpgsqlParameter("project", NpgsqlDbType.Text) { Value = (object?)s.ProjectKey ?? DBNull.Value });
        cmd.Parameters.AddWithValue("type", s.ScanType);
        cmd.Parameters.AddWithValue("target", s.Target);
        cmd.Parameters.AddWithValue("status", (short)s.Status);
        cmd.Parameters.Add(new NpgsqlParameter("branch", NpgsqlDbType.Text) { Value = (object?)s.Branch ?? DBNull.Value });
        cmd.Parameters.AddWithValue("created", s.CreatedAt);
        cmd.Parameters.Add(new NpgsqlParameter("finished", NpgsqlDbType.TimestampTz) { Value = (object?)s.FinishedAt ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("gate", NpgsqlDbType.Boolean) { Value = (object?)s.GatePassed ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("counts", NpgsqlDbType.Jsonb) { Value = JsonSerializer.Serialize(s.Counts) });
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<Page<ScanSummary>> QueryAsync(ScanListQuery q, CancellationToken cancellationToken = default)
    {
        var after = Cursors.Decode(q.Cursor);
        await using var cmd = dataSource.CreateCommand();
        var where = new SqlWhere(cmd)
            .AddIf(q.OrgId is not null, "org_id = @org", "org", () => q.OrgId!, NpgsqlDbType.Text)
            .AddIf(q.ProjectKey is not null, "project_key = @project", "project", () => q.ProjectKey!, NpgsqlDbType.Text)
            .AddIf(q.Status is not null, "status = @status", "status", () => (short)q.Status!.Value, NpgsqlDbType.Smallint)
            .AddIf(q.ScanType is not null, "scan_type = @type", "type", () => q.ScanType!, NpgsqlDbType.Text)
            .AddIf(q.Branch is not null, "branch = @branch", "branch", () => q.Branch!, NpgsqlDbType.Text)
            .AddIf(q.Since is not null, "created_at >= @since", "since", () => q.Since!.Value, NpgsqlDbType.TimestampTz)
            .AddIf(after is not null, "id < @after", "after", () => after!, NpgsqlDbType.Text);
        cmd.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = q.Limit + 1 });
        cmd.CommandText = $"""
            SELECT id, org_id, project_key, scan_type, target, status, branch, created_at, finished_at, gate_passed, counts FROM scans
            {where.Sql} ORDER BY id DESC LIMIT @limit
            """;
        var list = new List<ScanSummary>();
        await using (var r = await cmd.ExecuteReaderAsync(cancellationToken))
            while (await r.ReadAsync(cancellationToken))
                list.Add(new ScanSummary
                {
                    Id = r.GetString(0), OrgId = r.GetString(1), ProjectKey = r.IsDBNull(2) ? null : r.GetString(2), ScanType = r.GetString(3),
                    Target = r.GetString(4), Status = (ScanStatus)r.GetInt16(5), Branch = r.IsDBNull(6) ? null : r.GetString(6),
                    CreatedAt = r.GetFieldValue<DateTimeOffset>(7), FinishedAt = r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8),
                    GatePassed = r.IsDBNull(9) ? null : r.GetBoolean(9), Counts = JsonSerializer.Deserialize<SeverityCounts>(r.GetString(10))!,
                });
        var (items, next) = SqlWhere.Page(list, q.Limit, s => s.Id);
        return new Page<ScanSummary>(items, next);
    }
}

/// <summary>The audit log in PostgreSQL, append-only.</summary>
public sealed class PostgresAuditStore(NpgsqlDataSource dataSource) : IAuditStore
{
    public async Task AppendAsync(AuditEntry e, CancellationToken cancellationToken = default)
    {
        await using var cmd = dataSource.CreateCommand("""
            INSERT INTO audit_log (id, org_id, at, action, actor, key_id, client_ip, target, details)
            VALUES (@id, @org, @at, @action, @actor, @key, @ip, @target, @details)
            """);
        cmd.Parameters.AddWithValue("id", e.Id);
        cmd.Parameters.AddWithValue("org", e.OrgId);
        cmd.Parameters.AddWithValue("at", e.At);
        cmd.Parameters.AddWithValue("action", e.Action);
        cmd.Parameters.AddWithValue("actor", e.Actor);
        cmd.Parameters.AddWithValue("key", e.KeyId);
        cmd.Parameters.Add(new NpgsqlParameter("ip", NpgsqlDbType.Text) { Value = (object?)e.ClientIp ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("target", NpgsqlDbType.Text) { Value = (object?)e.Target ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("details", NpgsqlDbType.Jsonb) { Value = JsonSerializer.Serialize(e.Details) });
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<Page<AuditEntry>> QueryAsync(AuditQuery q, CancellationToken cancellationToken = default)
    {
        var after = Cursors.Decode(q.Cursor);
        await using var cmd = dataSource.CreateCommand();
        var where = new SqlWhere(cmd)
            .AddIf(q.OrgId is not null, "org_id = @org", "org", () => q.OrgId!, NpgsqlDbType.Text)
            .AddIf(q.Action is not null, "action = @action", "action", () => q.Action!, NpgsqlDbType.Text)
            .AddIf(q.Actor is not null, "actor = @actor", "actor", () => q.Actor!, NpgsqlDbType.Text)
            .AddIf(q.Since is not null, "at >= @since", "since", () => q.Since!.Value, NpgsqlDbType.TimestampTz)
            .AddIf(q.Until is not null, "at < @until", "until", () => q.Until!.Value, NpgsqlDbType.TimestampTz)
            .AddIf(after is not null, "id < @after", "after", () => after!, NpgsqlDbType.Text);
        cmd.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = q.Limit + 1 });
        cmd.CommandText = $"""
            SELECT id, org_id, at, action, actor, key_id, client_ip, target, details FROM audit_log
            {where.Sql} ORDER BY id DESC LIMIT @limit
            """;
        var list = new List<AuditEntry>();
        await using (var r = await cmd.ExecuteReaderAsync(cancellationToken))
            while (await r.ReadAsync(cancellationToken))
                list.Add(new AuditEntry
                {
                    Id = r.GetString(0), OrgId = r.GetString(1), At = r.GetFieldValue<DateTimeOffset>(2), Action = r.GetString(3),
                    Actor = r.GetString(4), KeyId = r.GetString(5), ClientIp = r.IsDBNull(6) ? null : r.GetString(6),
                    Target = r.IsDBNull(7) ? null : r.GetString(7),
                    Details = JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(8))!,
                });
        var (items, next) = SqlWhere.Page(list, q.Limit, e => e.Id);
        return new Page<AuditEntry>(items, next);
    }
}
