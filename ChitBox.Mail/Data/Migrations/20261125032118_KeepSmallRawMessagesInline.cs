using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChitBox.Mail.Data.Migrations
{
    /// <inheritdoc />
    public partial class KeepSmallRawMessagesInline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterTable(
                name: "raw_messages")
                .Annotation("Npgsql:StorageParameter:toast_tuple_target", 8160);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterTable(
                name: "raw_messages")
                .OldAnnotation("Npgsql:StorageParameter:toast_tuple_target", 8160);
        }
    }
}
