using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChitBox.Mail.Data.Migrations
{
    /// <inheritdoc />
    public partial class CompressBodiesWithLz4 : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Long bodies are compressed when stored; lz4 costs a fraction of the default pglz's
            // time per message. A server built without lz4 (or older than PostgreSQL 14)
            // keeps pglz: the statement runs dynamically so its error can be caught.
            migrationBuilder.Sql(
                """
                DO $$
                BEGIN
                    EXECUTE 'ALTER TABLE mail_messages ALTER COLUMN body_text SET COMPRESSION lz4, ALTER COLUMN body_html SET COMPRESSION lz4';
                EXCEPTION WHEN OTHERS THEN
                    RAISE NOTICE 'mail bodies keep the default compression: %', SQLERRM;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(
                """
                DO $$
                BEGIN
                    EXECUTE 'ALTER TABLE mail_messages ALTER COLUMN body_text SET COMPRESSION default, ALTER COLUMN body_html SET COMPRESSION default';
                EXCEPTION WHEN OTHERS THEN
                    NULL;
                END $$;
                """);
        }
    }
}
