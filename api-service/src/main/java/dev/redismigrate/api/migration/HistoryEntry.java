package dev.redismigrate.api.migration;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A milestone of a migration (requested, snapshot completed, failed, canceled...). */
@Entity
@Table(name = "migration_history")
public class HistoryEntry extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    public UUID migrationId;
    public Instant at;
    public String type;
    public String message;

    public static void record(UUID migrationId, Instant at, String type, String message) {
        HistoryEntry e = new HistoryEntry();
        e.migrationId = migrationId;
        e.at = at;
        e.type = type;
        e.message = message;
        e.persist();
    }

    /** How many hand-overs in a row the migration has had since its last other milestone. */
    public static int reassignsInARow(UUID migrationId) {
        int n = 0;
        for (HistoryEntry e : HistoryEntry.<HistoryEntry>list("migrationId = ?1 order by id desc", migrationId)) {
            if (!REASSIGNED.equals(e.type)) {
                break;
            }
            n++;
        }
        return n;
    }

    public static final String REASSIGNED = "REASSIGNED";

    public static List<HistoryEntry> of(UUID migrationId) {
        return list("migrationId = ?1 order by id", migrationId);
    }
}
