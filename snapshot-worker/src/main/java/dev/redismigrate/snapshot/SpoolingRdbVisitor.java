package dev.redismigrate.snapshot;

import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_MODULE;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_MODULE_2;

import com.moilioncircle.redis.replicator.Replicator;
import com.moilioncircle.redis.replicator.event.Event;
import com.moilioncircle.redis.replicator.io.RedisInputStream;
import com.moilioncircle.redis.replicator.rdb.BaseRdbParser;
import com.moilioncircle.redis.replicator.rdb.datatype.ContextKeyValuePair;
import com.moilioncircle.redis.replicator.rdb.datatype.DB;
import com.moilioncircle.redis.replicator.rdb.skip.SkipRdbValueVisitor;
import com.moilioncircle.redis.replicator.rdb.skip.SkipRdbVisitor;
import java.io.IOException;

/**
 * The capture's walk over the RDB on the replication link: skips every value (its bytes go to the
 * spool as they are read) only to find where the RDB ends. What it cannot skip (a type no parser
 * knows, a module's value) stops it with the same message the applier would give.
 */
final class SpoolingRdbVisitor extends SkipRdbVisitor {
    private long db;

    SpoolingRdbVisitor(Replicator replicator) {
        // the value visitor must skip too: the default one would build each value (a 200 MB string whole)
        super(replicator, new SkipRdbValueVisitor(replicator));
    }

    @Override
    public int applyType(RedisInputStream in) throws IOException {
        return ChunkingRdbVisitor.checkedType(super.applyType(in), in, db);
    }

    @Override
    public DB applySelectDB(RedisInputStream in, int version) throws IOException {
        db = new BaseRdbParser(in).rdbLoadLen().len; // the skipping visitor would return no db
        return new DB(db);
    }

    @Override
    public Event applyModule(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        throw ChunkingRdbVisitor.moduleValue(in, RDB_TYPE_MODULE, db);
    }

    @Override
    public Event applyModule2(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        throw ChunkingRdbVisitor.moduleValue(in, RDB_TYPE_MODULE_2, db);
    }
}
