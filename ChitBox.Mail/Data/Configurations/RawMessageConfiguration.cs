using ChitBox.Mail.Messages;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChitBox.Mail.Data.Configurations;

internal sealed class RawMessageConfiguration : IEntityTypeConfiguration<RawMessage>
{
    public void Configure(EntityTypeBuilder<RawMessage> builder)
    {
        builder.ToTable("raw_messages");
        // Storage EXTERNAL (set in the migration): no compression, so an attachment's
        // byte range can be read with substring() without de-toasting the whole value.
        builder.Property(r => r.Content).HasColumnType("bytea");
        // A message that fits in a page stays in the row: PostgreSQL would otherwise move
        // anything over 2 KB to the TOAST table, an extra heap and index insert per message
        // (about a tenth of the database's CPU when small mail arrives fast).
        builder.HasStorageParameter("toast_tuple_target", 8160);
    }
}
