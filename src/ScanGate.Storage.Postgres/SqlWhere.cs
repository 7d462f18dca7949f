using Npgsql;
using NpgsqlTypes;

namespace ScanGate.Storage.Postgres;

/// <summary>The optional filters of a list query: each one a clause and its typed parameter on the command.</summary>
internal sealed class SqlWhere(NpgsqlCommand command)
{
    private readonly List<string> _clauses = [];

    public SqlWhere Add(string clause, string parameter, object value, NpgsqlDbType type)
    {
        _clauses.Add(clause);
        command.Parameters.Add(new NpgsqlParameter(parameter, type) { Value = value });
        return this;
    }

    /// <summary>A clause with several parameters (a row comparison, say).</summary>
    public SqlWhere Add(string clause, params (string Name, object Value, NpgsqlDbType Type)[] parameters)
    {
        _clauses.Add(clause);
        foreach (var (name, value, type) in parameters) command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value });
        return this;
    }

    public SqlWhere AddIf(bool condition, string clause, string parameter, Func<object> value, NpgsqlDbType type) =>
        condition ? Add(clause, parameter, value(), type) : this;

    public string Sql => _clauses.Count == 0 ? "" : "WHERE " + string.Join(" AND ", _clauses);

    /// <summary>Items of a page read one past the limit; the cursor after the last kept one when there is more.</summary>
    public static (List<T> Items, string? Next) Page<T>(List<T> readOneMore, int limit, Func<T, string> key) =>
        readOneMore.Count > limit ? (readOneMore.Take(limit).ToList(), Cursors.Encode(key(readOneMore[limit - 1]))) : (readOneMore, null);
}
