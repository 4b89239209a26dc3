//! Creates the local stack's resources if absent: the table (from
//! `shared::platform::table`), the queues with their dead-letter queues and
//! the event bus (from `shared::platform::resources`), and the email
//! sender's SES identity and configuration set. Idempotent.
//!
//! Usage: `provision-local-stack` with `TABLE_NAME`, `RESOURCE_PREFIX` and
//! the `AWS_ENDPOINT_URL_*` variables pointing at DynamoDB Local and moto.

use shared::platform::{aws, resources, table};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let table_name = std::env::var("TABLE_NAME")?;
    let prefix = std::env::var("RESOURCE_PREFIX")?;
    let sdk = aws::sdk_config().await;

    let created = table::ensure_table(&aws::dynamodb(&sdk), &table_name).await?;
    println!("table {table_name}: {}", if created { "created" } else { "exists" });

    let sqs = aws_sdk_sqs::Client::new(&sdk);
    for q in resources::QUEUES {
        let dlq_url = sqs.create_queue().queue_name(format!("{prefix}-{}", q.dead_letter)).send().await?.queue_url;
        let dlq_arn = sqs
            .get_queue_attributes()
            .queue_url(dlq_url.unwrap_or_default())
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await?
            .attributes
            .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn).cloned())
            .ok_or("dead-letter queue has no ARN")?;
        let redrive = serde_json::json!({ "deadLetterTargetArn": dlq_arn, "maxReceiveCount": q.max_receive_count });
        let url = sqs
            .create_queue()
            .queue_name(format!("{prefix}-{}", q.name))
            .attributes(aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy, redrive.to_string())
            .attributes(
                aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout,
                q.visibility_timeout_secs.to_string(),
            )
            .send()
            .await?
            .queue_url
            .unwrap_or_default();
        println!("queue {url}");
    }

    let events = aws_sdk_eventbridge::Client::new(&sdk);
    let bus = format!("{prefix}-{}", resources::EVENT_BUS);
    if events.describe_event_bus().name(&bus).send().await.is_err() {
        events.create_event_bus().name(&bus).send().await?;
    }
    println!("event bus {bus}");
    for rule in resources::RULES {
        let queue = sqs.get_queue_url().queue_name(format!("{prefix}-{}", rule.queue)).send().await?.queue_url;
        let arn = sqs
            .get_queue_attributes()
            .queue_url(queue.unwrap_or_default())
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await?
            .attributes
            .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn).cloned())
            .ok_or("queue has no ARN")?;
        let name = format!("{prefix}-{}", rule.name);
        events.put_rule().name(&name).event_bus_name(&bus).event_pattern(rule.pattern).send().await?;
        let target = aws_sdk_eventbridge::types::Target::builder().id(rule.queue).arn(arn).build()?;
        events.put_targets().rule(&name).event_bus_name(&bus).targets(target).send().await?;
        println!("rule {name} -> {}", rule.queue);
    }

    // Notification email: moto's SES sends only from a verified identity
    // (the sender's domain), under the configuration set the worker names.
    if let Ok(from) = std::env::var("EMAIL_FROM") {
        let ses = aws_sdk_sesv2::Client::new(&sdk);
        let domain = from.rsplit_once('@').map(|(_, d)| d.to_string()).ok_or("EMAIL_FROM has no domain")?;
        if ses.get_email_identity().email_identity(&domain).send().await.is_err() {
            ses.create_email_identity().email_identity(&domain).send().await?;
        }
        if let Ok(set) = std::env::var("SES_CONFIGURATION_SET") {
            if ses.get_configuration_set().configuration_set_name(&set).send().await.is_err() {
                ses.create_configuration_set().configuration_set_name(&set).send().await?;
            }
            println!("email identity {domain}, configuration set {set}");
        }
    }
    Ok(())
}
