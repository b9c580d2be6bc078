using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChitBox.Mail.Data.Migrations
{
    /// <inheritdoc />
    public partial class DropUnusedUserArrivalIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_mail_messages_user_id_created_at",
                table: "mail_messages");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_mail_messages_user_id_created_at",
                table: "mail_messages",
                columns: new[] { "user_id", "created_at" });
        }
    }
}
