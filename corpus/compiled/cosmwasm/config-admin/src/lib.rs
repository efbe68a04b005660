//! Fee-collecting swap router config: an admin sets the fee, the fee collector and can hand the
//! admin role over.
use cosmwasm_schema::{cw_serde, QueryResponses};
#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{
    ensure, ensure_eq, to_json_binary, Addr, BankMsg, Binary, Coin, Decimal, Deps, DepsMut, Env, MessageInfo,
    Response, StdError, StdResult,
};
use cw_storage_plus::Item;
use thiserror::Error;

const CONTRACT_NAME: &str = "crates.io:swap-fee-config";
const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Error, Debug, PartialEq)]
pub enum ContractError {
    #[error("{0}")]
    Std(#[from] StdError),
    #[error("Unauthorized")]
    Unauthorized {},
    #[error("Fee must be at most 10%")]
    FeeTooHigh {},
    #[error("No funds sent")]
    NoFunds {},
}

#[cw_serde]
pub struct Config {
    pub admin: Addr,
    pub fee_collector: Addr,
    pub fee_rate: Decimal,
}

pub const CONFIG: Item<Config> = Item::new("config");

#[cw_serde]
pub struct InstantiateMsg {
    pub fee_collector: String,
    pub fee_rate: Decimal,
}

#[cw_serde]
pub enum ExecuteMsg {
    UpdateConfig { fee_collector: Option<String>, fee_rate: Option<Decimal> },
    UpdateAdmin { admin: String },
    /// Pays out the attached funds minus the fee to `recipient`.
    Pay { recipient: String },
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(Config)]
    Config {},
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(deps: DepsMut, _env: Env, info: MessageInfo, msg: InstantiateMsg) -> Result<Response, ContractError> {
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    ensure!(msg.fee_rate <= Decimal::percent(10), ContractError::FeeTooHigh {});
    let config = Config {
        admin: info.sender.clone(),
        fee_collector: deps.api.addr_validate(&msg.fee_collector)?,
        fee_rate: msg.fee_rate,
    };
    CONFIG.save(deps.storage, &config)?;
    Ok(Response::new().add_attribute("action", "instantiate").add_attribute("admin", info.sender))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(deps: DepsMut, _env: Env, info: MessageInfo, msg: ExecuteMsg) -> Result<Response, ContractError> {
    match msg {
        ExecuteMsg::UpdateConfig { fee_collector, fee_rate } => execute_update_config(deps, info, fee_collector, fee_rate),
        ExecuteMsg::UpdateAdmin { admin } => execute_update_admin(deps, info, admin),
        ExecuteMsg::Pay { recipient } => execute_pay(deps, info, recipient),
    }
}

fn execute_update_config(
    deps: DepsMut,
    info: MessageInfo,
    fee_collector: Option<String>,
    fee_rate: Option<Decimal>,
) -> Result<Response, ContractError> {
    let mut config = CONFIG.load(deps.storage)?;
    ensure_eq!(info.sender, config.admin, ContractError::Unauthorized {});
    if let Some(fee_collector) = fee_collector {
        config.fee_collector = deps.api.addr_validate(&fee_collector)?;
    }
    if let Some(fee_rate) = fee_rate {
        ensure!(fee_rate <= Decimal::percent(10), ContractError::FeeTooHigh {});
        config.fee_rate = fee_rate;
    }
    CONFIG.save(deps.storage, &config)?;
    Ok(Response::new().add_attribute("action", "update_config"))
}

fn execute_update_admin(deps: DepsMut, info: MessageInfo, admin: String) -> Result<Response, ContractError> {
    let mut config = CONFIG.load(deps.storage)?;
    #[cfg(not(feature = "vulnerable"))]
    ensure_eq!(info.sender, config.admin, ContractError::Unauthorized {});
    config.admin = deps.api.addr_validate(&admin)?;
    CONFIG.save(deps.storage, &config)?;
    Ok(Response::new()
        .add_attribute("action", "update_admin")
        .add_attribute("sender", info.sender)
        .add_attribute("admin", config.admin))
}

fn execute_pay(deps: DepsMut, info: MessageInfo, recipient: String) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let recipient = deps.api.addr_validate(&recipient)?;
    ensure!(!info.funds.is_empty(), ContractError::NoFunds {});
    let mut to_recipient: Vec<Coin> = vec![];
    let mut to_collector: Vec<Coin> = vec![];
    for coin in info.funds {
        let fee = coin.amount.mul_floor(config.fee_rate);
        to_collector.push(Coin { denom: coin.denom.clone(), amount: fee });
        to_recipient.push(Coin { denom: coin.denom, amount: coin.amount - fee });
    }
    Ok(Response::new()
        .add_message(BankMsg::Send { to_address: recipient.to_string(), amount: to_recipient })
        .add_message(BankMsg::Send { to_address: config.fee_collector.to_string(), amount: to_collector })
        .add_attribute("action", "pay"))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Config {} => to_json_binary(&CONFIG.load(deps.storage)?),
    }
}
