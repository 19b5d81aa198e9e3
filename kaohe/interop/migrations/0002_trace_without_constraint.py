"""The trace of an import (ValueChange) keeps its link to the import without a database
constraint, like its links to the element, period and unit.

Every row of the trace is written by one ``INSERT … SELECT`` that takes the id of the import
row created just before, in the same transaction, and an import record is never deleted
(``on_delete=PROTECT`` still refuses it in Django). A foreign key constraint checked that one
row again for every value written: on PostgreSQL about three microseconds a value, some three
seconds of a million-value import. The index on the column stays (an import's page lists its
changes by it).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("interop", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="valuechange",
            name="value_import",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="changes",
                to="interop.valueimport",
                verbose_name="导入",
            ),
        ),
    ]
