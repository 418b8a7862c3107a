using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Digest.Subscriptions.Web;

/// <summary>
/// Keeps ASP.NET Core's data-protection keys in the database instead of the local home folder, so
/// that every instance can read the antiforgery tokens the others issue, and restarts keep them.
/// The interface is synchronous; the key ring reads it rarely (at start, then about daily).
/// </summary>
internal sealed class DataProtectionKeys(NpgsqlDataSource dataSource) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = dataSource.OpenConnection();
        return connection.Query<string>("SELECT xml FROM data_protection_keys ORDER BY created_at")
            .Select(xml => XElement.Parse(xml))
            .ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = dataSource.OpenConnection();
        connection.Execute(
            "INSERT INTO data_protection_keys (name, xml) VALUES (@friendlyName, @Xml) ON CONFLICT (name) DO NOTHING",
            new { friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
    }
}
